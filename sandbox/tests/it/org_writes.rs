//! The org's writes in-process (no HTTP): validation as Salesforce validates, create, read,
//! update and delete, read-only fields of a restricted profile.

use axum::http::StatusCode;
use pane_sandbox::demo;
use pane_sandbox::org::Org;
use serde_json::{Value, json};

fn org() -> Org {
    demo::open(demo::settings()).unwrap()
}

#[test]
fn writes_are_validated_as_salesforce_does() {
    let org = org();
    let admin = org.users()[0].clone();
    let too_long = format!(
        "Last Name: data value too large: {} (max length=80)",
        "K".repeat(81)
    );
    // (object, body, error code, message)
    #[rustfmt::skip]
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("Lead", json!({"LastName": "Kim"}), "REQUIRED_FIELD_MISSING", "Required fields are missing: [Company]"),
        ("Lead", json!({"Company": "X"}), "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]"),
        ("Lead", json!({"LastName": "Kim", "Company": "X", "Email": "not an email"}), "INVALID_EMAIL_ADDRESS", "Email: invalid email address: not an email"),
        ("Lead", json!({"LastName": "Kim", "Company": "X", "Foo": 1}), "INVALID_FIELD", "No such column 'Foo' on sobject of type Lead"),
        ("Lead", json!({"Id": "00QPa0000000001", "LastName": "Kim", "Company": "X"}), "INVALID_FIELD", "The Id field should not be specified in the sobject data."),
        ("Lead", json!({"LastName": "Kim", "Company": "X", "Name": "Kim"}), "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: Name. Please check the security settings of this field and verify that it is read/write for your profile or permission set."),
        ("Lead", json!({"LastName": "K".repeat(81), "Company": "X"}), "STRING_TOO_LONG", &too_long),
        ("Task", json!({"Subject": "x", "Status": "Sleeping"}), "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Status: bad value for restricted picklist field: Sleeping"),
        ("Contact", json!({"LastName": "Kim", "AccountId": "003000000000000"}), "MALFORMED_ID", "Account ID: id value of incorrect type: 003000000000000"),
        ("Contact", json!({"LastName": "Kim", "AccountId": "001Pa0000000999"}), "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"),
        ("Contact", json!({"LastName": "Kim", "Birthdate": "yesterday"}), "JSON_PARSER_ERROR", "Cannot deserialize instance of date from VALUE_STRING value \"yesterday\" or request may be missing a required field"),
        ("Lead", json!({"LastName": "Kim", "Company": "X", "IsUnreadByOwner": "maybe"}), "JSON_PARSER_ERROR", "Cannot deserialize instance of boolean from VALUE_STRING value \"maybe\" or request may be missing a required field"),
        ("Contact", json!({"LastName": "Again", "Email": "ROSE@edge.com"}), "DUPLICATES_DETECTED", "Use one of these records?"),
        ("Lead", json!({"LastName": "Again", "Company": "X", "Phone": "+1 (850) 644-4200"}), "DUPLICATES_DETECTED", "Use one of these records?"),
        ("ActivityHistory", json!({"Subject": "x"}), "INVALID_TYPE_FOR_OPERATION", "entity type ActivityHistory does not support insert"),
    ];
    for (object, body, code, message) in cases {
        let err = org
            .create(&admin, object, &body, false)
            .expect_err(&body.to_string());
        assert_eq!(
            (err.code, err.message.as_str()),
            (code, message),
            "{object} {body}"
        );
    }
    assert_eq!(
        org.create(&admin, "Nope", &json!({}), false)
            .unwrap_err()
            .code,
        "NOT_FOUND"
    );
}

#[test]
fn create_read_update_delete() {
    let org = org();
    let admin = org.users()[0].clone();
    let id = org.create(&admin, "Lead", &json!({"FirstName": "Mia", "LastName": "Kim", "Company": "Kites", "Email": "mia@kites.example"}), false).unwrap();
    let lead = org.schema.object("Lead").unwrap();
    let record = org.live(lead, id.as_str()).unwrap();
    assert_eq!(record.fields["Name"], "Mia Kim");
    assert_eq!(
        record.fields["Status"], "Open - Not Contacted",
        "picklist default"
    );
    assert_eq!(record.fields["OwnerId"], admin.id.as_str());
    let json = org.record_json(lead, &record, None, "59.0").unwrap();
    assert_eq!(
        json["attributes"]["url"],
        format!("/services/data/v59.0/sobjects/Lead/{id}")
    );
    assert!(
        json.as_object().unwrap().contains_key("Fax"),
        "every field, nulls included"
    );
    let some = org
        .record_json(
            lead,
            &record,
            Some(&["Email".into(), "name".into()]),
            "59.0",
        )
        .unwrap();
    assert_eq!(some.as_object().unwrap().len(), 3);

    org.update(
        &admin,
        "Lead",
        &id.as_str()[..15],
        &json!({"LastName": "Kimura"}),
        None,
        false,
    )
    .unwrap();
    assert_eq!(
        org.live(lead, id.as_str()).unwrap().fields["Name"],
        "Mia Kimura"
    );
    let err = org
        .update(
            &admin,
            "Lead",
            id.as_str(),
            &json!({"Title": "x"}),
            Some(0),
            false,
        )
        .unwrap_err();
    assert_eq!(err.status, StatusCode::PRECONDITION_FAILED);
    let err = org
        .update(
            &admin,
            "Lead",
            id.as_str(),
            &json!({"Company": null}),
            None,
            false,
        )
        .unwrap_err();
    assert_eq!(err.message, "Required fields are missing: [Company]");

    org.delete("Lead", id.as_str()).unwrap();
    assert_eq!(
        org.live(lead, id.as_str()).unwrap_err().code,
        "ENTITY_IS_DELETED"
    );
    assert_eq!(
        org.delete("Lead", id.as_str()).unwrap_err().code,
        "ENTITY_IS_DELETED"
    );
    assert_eq!(
        org.live(lead, "23foo").unwrap_err().message,
        "Provided external ID field does not exist or is not accessible: 23foo"
    );
}

#[test]
fn a_restricted_profile_cannot_change_its_read_only_fields() {
    let org = org();
    let ben = org.users()[1].clone();
    let account = org.store.scan("Account", false).unwrap().remove(0);
    let err = org
        .update(
            &ben,
            "Account",
            account.id.as_str(),
            &json!({"AnnualRevenue": 1}),
            None,
            false,
        )
        .unwrap_err();
    assert_eq!(err.code, "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(err.fields, Some(vec!["AnnualRevenue".to_owned()]));
    org.update(
        &ben,
        "Account",
        account.id.as_str(),
        &json!({"Phone": "555 0100"}),
        None,
        false,
    )
    .unwrap();
}
