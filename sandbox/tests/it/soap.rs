//! SOAP convertLead over HTTP.

use serde_json::Value;

use crate::helpers::org;

fn envelope(session: &str, converts: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Header xmlns="urn:partner.soap.sforce.com"><SessionHeader><sessionId>{session}</sessionId></SessionHeader></soapenv:Header><soapenv:Body xmlns="urn:partner.soap.sforce.com"><convertLead>{converts}</convertLead></soapenv:Body></soapenv:Envelope>"#
    )
}

fn between<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

#[tokio::test]
async fn converts_a_lead_once() {
    let org = org().await;
    let leads: Value = org
        .get(&org.data("/query"))
        .query(&[("q", "SELECT Id FROM Lead WHERE Email = 'bertha@fcof.net'")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lead = leads["records"][0]["Id"].as_str().unwrap().to_owned();
    let convert = format!(
        "<leadConverts><leadId>{lead}</leadId><convertedStatus>Closed - Converted</convertedStatus><opportunityName>Coop deal</opportunityName></leadConverts>"
    );
    let res = org
        .http
        .post(org.url("/services/Soap/u/59.0"))
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

    let row: Value = org
        .get(&org.data(&format!("/sobjects/Contact/{contact}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(row["Email"], "bertha@fcof.net");
    assert_eq!(row["AccountId"], account.as_str());
    let lead_row: Value = org
        .get(&org.data(&format!("/sobjects/Lead/{lead}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(lead_row["IsConverted"], true);
    assert_eq!(lead_row["ConvertedContactId"], contact.as_str());
    assert_eq!(lead_row["Status"], "Closed - Converted");
    let opp: Value = org
        .get(&org.data("/query"))
        .query(&[(
            "q",
            format!("SELECT Name FROM Opportunity WHERE AccountId = '{account}'"),
        )])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(opp["records"][0]["Name"], "Coop deal");

    // A second conversion, and edits of the converted lead, are refused.
    let xml = org
        .http
        .post(org.url("/services/Soap/u/59.0"))
        .body(envelope(&org.token, &convert))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        between(&xml, "statusCode"),
        Some("CANNOT_UPDATE_CONVERTED_LEAD"),
        "{xml}"
    );
    assert_eq!(between(&xml, "success"), Some("false"));
    let res = org
        .http
        .patch(org.url(&org.data(&format!("/sobjects/Lead/{lead}"))))
        .bearer_auth(&org.token)
        .json(&serde_json::json!({"Title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()[0]["errorCode"],
        "CANNOT_UPDATE_CONVERTED_LEAD"
    );

    // A status that does not convert is refused per record.
    let leads: Value = org
        .get(&org.data("/query"))
        .query(&[(
            "q",
            "SELECT Id FROM Lead WHERE Email = 'pcotton@abbottins.net'",
        )])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other = leads["records"][0]["Id"].as_str().unwrap();
    let bad = format!(
        "<leadConverts><leadId>{other}</leadId><convertedStatus>Working - Contacted</convertedStatus></leadConverts>"
    );
    let xml = org
        .http
        .post(org.url("/services/Soap/c/59.0"))
        .body(envelope(&org.token, &bad))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(between(&xml, "statusCode"), Some("INVALID_STATUS"), "{xml}");
}

#[tokio::test]
async fn a_bad_session_is_a_soap_fault() {
    let org = org().await;
    let res = org
        .http
        .post(org.url("/services/Soap/u/59.0"))
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
    let res = org
        .http
        .post(org.url("/services/Soap/u/59.0"))
        .body("<not xml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
}
