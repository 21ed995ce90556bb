//! SOAP `convertLead`: the envelope Salesforce expects, and its result or fault read back.

use quick_xml::Reader;
use quick_xml::escape::escape;
use quick_xml::events::Event;

use crate::{Client, Error};

/// What to convert.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadConvert {
    /// The Lead.
    pub lead_id: String,
    /// A converted status (a `LeadStatus` with `IsConverted`).
    pub converted_status: String,
    /// Merge into this Account instead of creating one.
    pub account_id: Option<String>,
    /// Merge into this Contact (needs `account_id`).
    pub contact_id: Option<String>,
    /// Name of the Opportunity to create; `None` creates none.
    pub opportunity_name: Option<String>,
}

/// What a conversion gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadConvertResult {
    /// It worked.
    pub success: bool,
    /// The Account.
    pub account_id: Option<String>,
    /// The Contact.
    pub contact_id: Option<String>,
    /// The Opportunity, if one was made.
    pub opportunity_id: Option<String>,
    /// `(statusCode, message)` of each error.
    pub errors: Vec<(String, String)>,
}

/// The request envelope.
pub fn envelope(session: &str, convert: &LeadConvert) -> String {
    let mut fields = format!(
        "<leadId>{}</leadId><convertedStatus>{}</convertedStatus>",
        escape(&convert.lead_id),
        escape(&convert.converted_status)
    );
    if let Some(a) = &convert.account_id {
        fields.push_str(&format!("<accountId>{}</accountId>", escape(a)));
    }
    if let Some(c) = &convert.contact_id {
        fields.push_str(&format!("<contactId>{}</contactId>", escape(c)));
    }
    match &convert.opportunity_name {
        Some(name) => fields.push_str(&format!("<doNotCreateOpportunity>false</doNotCreateOpportunity><opportunityName>{}</opportunityName>", escape(name))),
        None => fields.push_str("<doNotCreateOpportunity>true</doNotCreateOpportunity>"),
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns=\"urn:partner.soap.sforce.com\"><soapenv:Header><SessionHeader><sessionId>{}</sessionId></SessionHeader></soapenv:Header><soapenv:Body><convertLead><leadConverts>{fields}</leadConverts></convertLead></soapenv:Body></soapenv:Envelope>",
        escape(session)
    )
}

/// Reads a `convertLead` answer: its first result, or the fault.
pub fn read_answer(xml: &str) -> Result<LeadConvertResult, Error> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut result = LeadConvertResult::default();
    let mut path: Vec<String> = Vec::new();
    let (mut fault_code, mut fault_string) = (None, None);
    let mut error_code = None;
    loop {
        match reader.read_event().map_err(|e| Error::Malformed {
            status: 200,
            detail: e.to_string(),
        })? {
            Event::Start(e) => {
                path.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned())
            }
            Event::End(e) => {
                if e.local_name().as_ref() == b"errors" {
                    result.errors.push((
                        error_code.take().unwrap_or_default(),
                        std::mem::take(&mut fault_string).unwrap_or_default(),
                    ));
                }
                path.pop();
            }
            Event::Text(t) => {
                let text = t
                    .xml_content()
                    .map_err(|e| Error::Malformed {
                        status: 200,
                        detail: e.to_string(),
                    })?
                    .into_owned();
                let in_errors = path.iter().any(|p| p == "errors");
                match path.last().map(String::as_str) {
                    Some("faultcode") => {
                        fault_code = Some(text.rsplit(':').next().unwrap_or_default().to_owned())
                    }
                    Some("faultstring") => fault_string = Some(text),
                    Some("statusCode") if in_errors => error_code = Some(text),
                    Some("message") if in_errors => fault_string = Some(text),
                    Some("success") => result.success = text == "true",
                    Some("accountId") => result.account_id = Some(text),
                    Some("contactId") => result.contact_id = Some(text),
                    Some("opportunityId") => result.opportunity_id = Some(text),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(code) = fault_code {
        return Err(Error::Fault {
            code,
            message: fault_string.unwrap_or_default(),
        });
    }
    Ok(result)
}

impl Client {
    /// Converts a Lead (`POST /services/Soap/u/NN.N`), refreshing an expired session once.
    pub async fn convert_lead(
        &self,
        convert: &LeadConvert,
        version: &str,
    ) -> Result<LeadConvertResult, Error> {
        let mut token = self.tokens().current().await?;
        for attempt in 0..2 {
            let url = format!("{}/services/Soap/u/{version}", token.instance_url);
            let sent = crate::trace::tagged(
                self.http()
                    .post(url)
                    .header("Content-Type", "text/xml; charset=UTF-8")
                    .header("SOAPAction", "\"\""),
            )
            .body(envelope(&token.access_token, convert))
            .send()
            .await;
            self.saw(
                crate::trace::Kind::Convert,
                sent.as_ref().ok().map(|r| r.status().as_u16()),
            );
            let response = sent.map_err(|e| crate::error::from_reqwest(&e))?;
            let text = response
                .text()
                .await
                .map_err(|e| Error::Transport(e.to_string()))?;
            match read_answer(&text) {
                Err(Error::Fault { code, .. }) if code == "INVALID_SESSION_ID" && attempt == 0 => {
                    token = self.tokens().refresh(&token).await?;
                }
                other => return other,
            }
        }
        Err(Error::Fault {
            code: "INVALID_SESSION_ID".into(),
            message: "the session stayed invalid after a refresh".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_escapes_values() {
        let xml = envelope(
            "tok&<",
            &LeadConvert {
                lead_id: "00Q<x>".into(),
                converted_status: "A & B".into(),
                ..LeadConvert::default()
            },
        );
        assert!(xml.contains("<sessionId>tok&amp;&lt;</sessionId>"));
        assert!(
            xml.contains(
                "<leadId>00Q&lt;x&gt;</leadId><convertedStatus>A &amp; B</convertedStatus>"
            )
        );
        assert!(xml.contains("<doNotCreateOpportunity>true</doNotCreateOpportunity>"));
    }

    #[test]
    fn answers_and_faults() {
        let ok = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><convertLeadResponse><result><accountId>001A</accountId><contactId>003C</contactId><leadId>00QL</leadId><opportunityId xsi:nil="true"/><success>true</success></result></convertLeadResponse></soapenv:Body></soapenv:Envelope>"#;
        let r = read_answer(ok).unwrap();
        assert!(r.success);
        assert_eq!(
            (
                r.account_id.as_deref(),
                r.contact_id.as_deref(),
                r.opportunity_id.as_deref()
            ),
            (Some("001A"), Some("003C"), None)
        );
        let failed = r#"<Envelope><Body><convertLeadResponse><result><accountId xsi:nil="true"/><errors><fields xsi:nil="true"/><message>cannot reference converted lead</message><statusCode>CANNOT_UPDATE_CONVERTED_LEAD</statusCode></errors><success>false</success></result></convertLeadResponse></Body></Envelope>"#;
        let r = read_answer(failed).unwrap();
        assert!(!r.success);
        assert_eq!(
            r.errors,
            vec![(
                "CANNOT_UPDATE_CONVERTED_LEAD".to_owned(),
                "cannot reference converted lead".to_owned()
            )]
        );
        let fault = r#"<soapenv:Envelope xmlns:soapenv="x" xmlns:sf="y"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_SESSION_ID</faultcode><faultstring>INVALID_SESSION_ID: Invalid Session ID</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
        assert_eq!(
            read_answer(fault).unwrap_err().code(),
            Some("INVALID_SESSION_ID")
        );
    }
}
