//! SOAP `convertLead` (`POST /services/Soap/u/NN.N`, partner, or `/c/`, enterprise), parsed
//! leniently as real clients send it: local names, any prefix, any order, several
//! `leadConverts`. Faults are HTTP 500 with an `sf:` fault code.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Value, json};

use crate::id::SfId;
use crate::keys::lookup_keys;
use crate::org::User;
use crate::quota::LoggedRequest;
use crate::state::SandboxState;
use crate::time::{datetime, now_ms};

/// The SOAP routes.
pub fn router() -> Router<SandboxState> {
    Router::new()
        .route("/services/Soap/u/{version}", post(soap))
        .route("/services/Soap/c/{version}", post(soap))
}

/// One `leadConverts` element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadConvert {
    /// `leadId`.
    pub lead_id: String,
    /// `convertedStatus`.
    pub converted_status: String,
    /// `accountId`: merge into this Account.
    pub account_id: Option<String>,
    /// `contactId`: merge into this Contact.
    pub contact_id: Option<String>,
    /// `doNotCreateOpportunity`.
    pub do_not_create_opportunity: bool,
    /// `opportunityName`.
    pub opportunity_name: Option<String>,
    /// `ownerId`.
    pub owner_id: Option<String>,
    /// `overwriteLeadSource`.
    pub overwrite_lead_source: bool,
}

/// A parsed `convertLead` call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConvertCall {
    /// The session id from the header.
    pub session_id: Option<String>,
    /// The operation's local name (`convertLead`).
    pub operation: Option<String>,
    /// Its conversions.
    pub converts: Vec<LeadConvert>,
}

/// Reads an envelope; `Err` for XML that cannot be read.
pub fn parse(xml: &str) -> Result<ConvertCall, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut call = ConvertCall::default();
    let mut path: Vec<String> = Vec::new();
    let mut nil = false;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                nil = e
                    .attributes()
                    .flatten()
                    .any(|a| a.key.local_name().as_ref() == b"nil" && a.value.as_ref() == b"true");
                if path.last().is_some_and(|p| p == "Body") {
                    call.operation = Some(name.clone());
                }
                if name == "leadConverts" {
                    call.converts.push(LeadConvert::default());
                }
                path.push(name);
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.last().is_some_and(|p| p == "Body") {
                    call.operation = Some(name);
                }
            }
            Event::Text(t) if !nil => {
                let text = t.xml_content().map_err(|e| e.to_string())?.into_owned();
                let leaf = path.last().cloned().unwrap_or_default();
                if leaf == "sessionId" {
                    call.session_id = Some(text);
                } else if path.iter().any(|p| p == "leadConverts")
                    && let Some(c) = call.converts.last_mut()
                {
                    let flag = text.eq_ignore_ascii_case("true");
                    match leaf.as_str() {
                        "leadId" => c.lead_id = text,
                        "convertedStatus" => c.converted_status = text,
                        "accountId" => c.account_id = Some(text),
                        "contactId" => c.contact_id = Some(text),
                        "doNotCreateOpportunity" => c.do_not_create_opportunity = flag,
                        "opportunityName" => c.opportunity_name = Some(text),
                        "ownerId" => c.owner_id = Some(text),
                        "overwriteLeadSource" => c.overwrite_lead_source = flag,
                        _ => {}
                    }
                }
            }
            Event::End(_) => {
                path.pop();
                nil = false;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(call)
}

/// Text in the SOAP answer: quick-xml's escaping (`& < > ' "`).
fn xml_escape(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

fn fault(code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:sf=\"urn:fault.partner.soap.sforce.com\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: {m}</faultstring><detail><sf:UnexpectedErrorFault xsi:type=\"sf:UnexpectedErrorFault\"><sf:exceptionCode>{code}</sf:exceptionCode><sf:exceptionMessage>{m}</sf:exceptionMessage></sf:UnexpectedErrorFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>",
        m = xml_escape(message)
    );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/xml;charset=UTF-8")],
        body,
    )
        .into_response()
}

/// The outcome of one conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// Account.
    pub account_id: String,
    /// Contact.
    pub contact_id: String,
    /// Opportunity, unless none was asked.
    pub opportunity_id: Option<String>,
}

/// A conversion that failed: `(statusCode, message)`.
pub type ConvertError = (String, String);

fn err(code: &str, message: impl Into<String>) -> ConvertError {
    (code.to_owned(), message.into())
}

fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// Converts one Lead as Salesforce does.
pub fn convert(
    state: &SandboxState,
    user: &User,
    c: &LeadConvert,
) -> Result<Converted, ConvertError> {
    let org = &state.org;
    let lead_def = org
        .schema
        .object("Lead")
        .ok_or_else(|| err("UNKNOWN_EXCEPTION", "no Lead"))?;
    let lead = org
        .live(lead_def, &c.lead_id)
        .map_err(|_| err("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"))?;
    let fields = Value::Object(serde_json::Map::clone(&lead.fields));
    if fields.get("IsConverted").and_then(Value::as_bool) == Some(true) {
        return Err(err(
            "CANNOT_UPDATE_CONVERTED_LEAD",
            "cannot reference converted lead",
        ));
    }
    let status_ok = org
        .store
        .scan("LeadStatus", false)
        .map_err(|e| err("UNKNOWN_EXCEPTION", e.to_string()))?
        .iter()
        .any(|s| {
            s.fields.get("ApiName").and_then(Value::as_str) == Some(c.converted_status.as_str())
                && s.fields.get("IsConverted").and_then(Value::as_bool) == Some(true)
        });
    if !status_ok {
        return Err(err(
            "INVALID_STATUS",
            format!("invalid convertedStatus: {}", c.converted_status),
        ));
    }
    if c.contact_id.is_some() && c.account_id.is_none() {
        return Err(err(
            "REQUIRED_FIELD_MISSING",
            "accountId is required when contactId is given",
        ));
    }
    let write = |e: crate::error::ApiError| err(e.code, e.message);
    let account_id = match &c.account_id {
        Some(id) => {
            let def = org.object_named("Account").map_err(write)?;
            org.live(def, id).map_err(|_| err("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"))?.id.to_string()
        }
        None => org
            .create(user, "Account", &json!({"Name": text(&fields, "Company").unwrap_or_else(|| "Unknown".into()), "Website": fields.get("Website"), "Phone": fields.get("Phone"), "Industry": fields.get("Industry")}), true)
            .map_err(write)?
            .to_string(),
    };
    let contact_fields = [
        "FirstName",
        "LastName",
        "Salutation",
        "Title",
        "Email",
        "Phone",
        "MobilePhone",
        "Fax",
        "LeadSource",
    ];
    let contact_id = match &c.contact_id {
        Some(id) => {
            let def = org.object_named("Contact").map_err(write)?;
            let existing = org
                .live(def, id)
                .map_err(|_| err("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"))?;
            // Merging fills only empty fields (LeadSource too when asked to overwrite).
            let mut changes = serde_json::Map::new();
            for f in contact_fields {
                let empty = existing.fields.get(f).is_none_or(Value::is_null);
                if let Some(v) = fields.get(f).filter(|v| !v.is_null())
                    && (empty || (f == "LeadSource" && c.overwrite_lead_source))
                {
                    changes.insert(f.into(), v.clone());
                }
            }
            org.update(user, "Contact", id, &Value::Object(changes), None, true)
                .map_err(write)?;
            existing.id.to_string()
        }
        None => {
            let mut body = serde_json::Map::new();
            for f in contact_fields {
                if let Some(v) = fields.get(f).filter(|v| !v.is_null()) {
                    body.insert(f.into(), v.clone());
                }
            }
            body.insert("AccountId".into(), Value::from(account_id.clone()));
            if let Some(owner) = &c.owner_id {
                body.insert("OwnerId".into(), Value::from(owner.as_str()));
            }
            org.create(user, "Contact", &Value::Object(body), true)
                .map_err(write)?
                .to_string()
        }
    };
    let opportunity_id = if c.do_not_create_opportunity {
        None
    } else {
        let name = c
            .opportunity_name
            .clone()
            .unwrap_or_else(|| format!("{}-", text(&fields, "Company").unwrap_or_default()));
        let close = chrono::Utc::now().date_naive() + chrono::Duration::days(90);
        Some(
            org.create(user, "Opportunity", &json!({"Name": name, "AccountId": account_id, "StageName": "Prospecting", "CloseDate": close.format("%Y-%m-%d").to_string(), "LeadSource": fields.get("LeadSource")}), true)
                .map_err(write)?
                .to_string(),
        )
    };
    // The converted-lead fields are not writable through the API: set them directly.
    let mut converted = lead.clone();
    let now = now_ms();
    for (k, v) in [
        ("IsConverted", Value::Bool(true)),
        (
            "ConvertedDate",
            Value::from(
                chrono::Utc::now()
                    .date_naive()
                    .format("%Y-%m-%d")
                    .to_string(),
            ),
        ),
        ("ConvertedAccountId", Value::from(account_id.clone())),
        ("ConvertedContactId", Value::from(contact_id.clone())),
        (
            "ConvertedOpportunityId",
            opportunity_id.clone().map_or(Value::Null, Value::from),
        ),
        ("Status", Value::from(c.converted_status.clone())),
        ("LastModifiedDate", Value::from(datetime(now))),
        ("SystemModstamp", Value::from(datetime(now))),
    ] {
        converted.fields_mut().insert(k.into(), v);
    }
    converted.modified_ms = now;
    org.store
        .put(&converted, lookup_keys(lead_def, &converted.fields))
        .map_err(|e| err("UNKNOWN_EXCEPTION", e.to_string()))?;
    Ok(Converted {
        account_id,
        contact_id,
        opportunity_id,
    })
}

fn id_element(name: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("<{name}>{}</{name}>", xml_escape(v)),
        None => format!("<{name} xsi:nil=\"true\"/>"),
    }
}

async fn soap(
    State(state): State<SandboxState>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let xml = String::from_utf8_lossy(&body);
    let call = match parse(&xml) {
        Ok(call) => call,
        Err(e) => return fault("INVALID_XML", &format!("the request is not valid XML: {e}")),
    };
    let Some(session) = call
        .session_id
        .as_deref()
        .and_then(|s| state.auth.session(s.trim()))
    else {
        return fault(
            "INVALID_SESSION_ID",
            "Invalid Session ID found in SessionHeader: Illegal Session",
        );
    };
    let Some(user) = state.org.user_by_id(&session.user_id).cloned() else {
        return fault(
            "INVALID_SESSION_ID",
            "Invalid Session ID found in SessionHeader: Illegal Session",
        );
    };
    if call.operation.as_deref() != Some("convertLead") {
        return fault(
            "INVALID_OPERATION",
            &format!(
                "Operation {} is not supported by this org",
                call.operation.unwrap_or_default()
            ),
        );
    }
    if !state.quota.take(LoggedRequest {
        client_id: session.client_id.clone(),
        method: "POST".into(),
        path: "/services/Soap/u/convertLead".into(),
        revalidation: false,
        request_id: crate::trace::request_id(&headers),
    }) {
        return fault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    }
    let results: String = call
        .converts
        .iter()
        .map(|c| match convert(&state, &user, c) {
            Ok(done) => format!(
                "<result>{}{}<leadId>{}</leadId>{}<success>true</success></result>",
                id_element("accountId", Some(&done.account_id)),
                id_element("contactId", Some(&done.contact_id)),
                xml_escape(&SfId::parse(&c.lead_id).map(|i| i.to_string()).unwrap_or_else(|_| c.lead_id.clone())),
                id_element("opportunityId", done.opportunity_id.as_deref()),
            ),
            Err((code, message)) => format!(
                "<result><accountId xsi:nil=\"true\"/><contactId xsi:nil=\"true\"/><errors><fields xsi:nil=\"true\"/><message>{}</message><statusCode>{}</statusCode></errors><leadId>{}</leadId><opportunityId xsi:nil=\"true\"/><success>false</success></result>",
                xml_escape(&message),
                xml_escape(&code),
                xml_escape(&c.lead_id)
            ),
        })
        .collect();
    let (used, max) = state.quota.usage();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns=\"urn:partner.soap.sforce.com\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Header><LimitInfoHeader><limitInfo><current>{used}</current><limit>{max}</limit><type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header><soapenv:Body><convertLeadResponse>{results}</convertLeadResponse></soapenv:Body></soapenv:Envelope>"
    );
    ([(header::CONTENT_TYPE, "text/xml;charset=UTF-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_jsforce_and_prefixed_envelopes() {
        let jsforce = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Header xmlns="urn:partner.soap.sforce.com"><SessionHeader><sessionId>00Dxx!tok</sessionId></SessionHeader></soapenv:Header><soapenv:Body xmlns="urn:partner.soap.sforce.com"><convertLead><leadConverts><leadId>00Qxx0000000001AAA</leadId><convertedStatus>Closed - Converted</convertedStatus><doNotCreateOpportunity>true</doNotCreateOpportunity></leadConverts></convertLead></soapenv:Body></soapenv:Envelope>"#;
        let call = parse(jsforce).unwrap();
        assert_eq!(call.session_id.as_deref(), Some("00Dxx!tok"));
        assert_eq!(call.operation.as_deref(), Some("convertLead"));
        assert_eq!(
            call.converts,
            vec![LeadConvert {
                lead_id: "00Qxx0000000001AAA".into(),
                converted_status: "Closed - Converted".into(),
                do_not_create_opportunity: true,
                ..LeadConvert::default()
            }]
        );

        let prefixed = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:enterprise.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Header><urn:DuplicateRuleHeader><urn:allowSave>true</urn:allowSave></urn:DuplicateRuleHeader><urn:SessionHeader><urn:sessionId>tok</urn:sessionId></urn:SessionHeader></soapenv:Header><soapenv:Body><urn:convertLead><urn:leadConverts><urn:convertedStatus>Closed - Converted</urn:convertedStatus><urn:accountId xsi:nil="true"/><urn:opportunityName>Big deal</urn:opportunityName><urn:leadId>L1</urn:leadId></urn:leadConverts><urn:leadConverts><urn:leadId>L2</urn:leadId><urn:contactId xsi:nil="true"></urn:contactId></urn:leadConverts></urn:convertLead></soapenv:Body></soapenv:Envelope>"#;
        let call = parse(prefixed).unwrap();
        assert_eq!(call.session_id.as_deref(), Some("tok"));
        assert_eq!(call.converts.len(), 2);
        assert_eq!(
            call.converts[0].opportunity_name.as_deref(),
            Some("Big deal")
        );
        assert_eq!(call.converts[0].account_id, None, "nil is absent");
        assert_eq!(call.converts[1].lead_id, "L2");
        assert_eq!(call.converts[1].contact_id, None);
        assert!(parse("<a><b></a>").is_err());
    }
}
