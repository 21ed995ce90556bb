//! SOAP convertLead over HTTP.

use reqwest::RequestBuilder;

use crate::helpers::{Org, json, org, status};

fn envelope(session: &str, converts: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Header xmlns="urn:partner.soap.sforce.com"><SessionHeader><sessionId>{session}</sessionId></SessionHeader></soapenv:Header><soapenv:Body xmlns="urn:partner.soap.sforce.com"><convertLead>{converts}</convertLead></soapenv:Body></soapenv:Envelope>"#
    )
}

/// A POST to the SOAP API `kind` (`u` partner, `c` enterprise) at version 59.0.
fn soap(org: &Org, kind: &str) -> RequestBuilder {
    org.http
        .post(org.url(&format!("/services/Soap/{kind}/59.0")))
}

/// Sends `request`: the answer's text.
async fn text(request: RequestBuilder) -> String {
    request.send().await.unwrap().text().await.unwrap()
}

fn between<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

#[tokio::test]
async fn converts_a_lead_once() {
    let org = org().await;
    let lead = org.id_by_email("Lead", "bertha@fcof.net").await;
    let convert = format!(
        "<leadConverts><leadId>{lead}</leadId><convertedStatus>Closed - Converted</convertedStatus><opportunityName>Coop deal</opportunityName></leadConverts>"
    );
    let res = soap(&org, "u")
        .header("content-type", "text/xml")
        .header("SOAPAction", "\"\"")
        .body(envelope(&org.token, &convert))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let xml = res.text().await.unwrap();
    assert_eq!(between(&xml, "success"), Some("true"), "{xml}");
    assert!(
        xml.contains("<LimitInfoHeader><limitInfo><current>"),
        "{xml}"
    );
    let contact = between(&xml, "contactId").unwrap().to_owned();
    let account = between(&xml, "accountId").unwrap().to_owned();
    assert!(contact.starts_with("003") && account.starts_with("001"));

    let row = json(org.get(&org.data(&format!("/sobjects/Contact/{contact}")))).await;
    assert_eq!(row["Email"], "bertha@fcof.net");
    assert_eq!(row["AccountId"], account.as_str());
    let lead_row = json(org.get(&org.data(&format!("/sobjects/Lead/{lead}")))).await;
    assert_eq!(lead_row["IsConverted"], true);
    assert_eq!(lead_row["ConvertedContactId"], contact.as_str());
    assert_eq!(lead_row["Status"], "Closed - Converted");
    let opp = org
        .query(&format!(
            "SELECT Name FROM Opportunity WHERE AccountId = '{account}'"
        ))
        .await;
    assert_eq!(opp["records"][0]["Name"], "Coop deal");

    // A second conversion, and edits of the converted lead, are refused.
    let xml = text(soap(&org, "u").body(envelope(&org.token, &convert))).await;
    assert_eq!(
        between(&xml, "statusCode"),
        Some("CANNOT_UPDATE_CONVERTED_LEAD"),
        "{xml}"
    );
    assert_eq!(between(&xml, "success"), Some("false"));
    let (_, body) = org
        .send_json(
            "PATCH",
            &org.data(&format!("/sobjects/Lead/{lead}")),
            &serde_json::json!({"Title": "x"}),
        )
        .await;
    assert_eq!(body[0]["errorCode"], "CANNOT_UPDATE_CONVERTED_LEAD");

    // A status that does not convert is refused per record.
    let other = org.id_by_email("Lead", "pcotton@abbottins.net").await;
    let bad = format!(
        "<leadConverts><leadId>{other}</leadId><convertedStatus>Working - Contacted</convertedStatus></leadConverts>"
    );
    let xml = text(soap(&org, "c").body(envelope(&org.token, &bad))).await;
    assert_eq!(between(&xml, "statusCode"), Some("INVALID_STATUS"), "{xml}");
}

#[tokio::test]
async fn a_bad_session_is_a_soap_fault() {
    let org = org().await;
    let res = soap(&org, "u")
        .body(envelope("nope", "<leadConverts/>"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    let xml = res.text().await.unwrap();
    assert!(
        xml.contains("<faultcode>sf:INVALID_SESSION_ID</faultcode>"),
        "{xml}"
    );
    assert_eq!(status(soap(&org, "u").body("<not xml")).await, 500);
}
