//! Behaviours found wrong by driving the org with simple-salesforce, each beside the normal
//! case: derived and defaulted fields, key prefixes and versioned URLs, unknown resources,
//! stable query locators, search shapes by version, SOSL escapes, polymorphic types, revoke,
//! External ID rows and relationships, aggregates.

use pane_sandbox::SandboxConfig;
use serde_json::{Value, json};

use crate::helpers::{Org, org};

impl Org {
    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let res = self.get(path).send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn send_json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let res = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn create(&self, object: &str, body: Value) -> String {
        let (status, created) = self
            .send_json("POST", &self.data(&format!("/sobjects/{object}")), &body)
            .await;
        assert_eq!(status, 201, "{created}");
        created["id"].as_str().unwrap().to_owned()
    }
}

/// Finding: CaseNumber, Case.IsClosed, Opportunity.Probability/ForecastCategory and
/// non-createable booleans came back null.
#[tokio::test]
async fn defaulted_and_derived_fields_are_filled() {
    let org = org().await;
    let case = org
        .create("Case", json!({"Subject": "Fan is loud", "Status": "New"}))
        .await;
    let (_, read) = org
        .get_json(&org.data(&format!("/sobjects/Case/{case}")))
        .await;
    assert!(
        read["CaseNumber"].as_str().is_some_and(|n| n.len() == 8),
        "{read}"
    );
    assert_eq!(read["IsClosed"], false);
    assert_eq!(read["IsEscalated"], false);
    assert_eq!(read["IsDeleted"], false);
    let other = org.create("Case", json!({"Subject": "Second"})).await;
    let (_, second) = org
        .get_json(&org.data(&format!("/sobjects/Case/{other}")))
        .await;
    let number = |v: &Value| v["CaseNumber"].as_str().unwrap().parse::<u64>().unwrap();
    assert_eq!(number(&second), number(&read) + 1, "auto-numbered in order");
    let (status, _) = org
        .send_json(
            "PATCH",
            &org.data(&format!("/sobjects/Case/{case}")),
            &json!({"Status": "Closed"}),
        )
        .await;
    assert_eq!(status, 204);
    let (_, closed) = org
        .get_json(&org.data(&format!("/sobjects/Case/{case}")))
        .await;
    assert_eq!(closed["IsClosed"], true);
    assert_eq!(closed["CaseNumber"], read["CaseNumber"], "kept on update");

    let opp = org
        .create(
            "Opportunity",
            json!({"Name": "Fans", "StageName": "Prospecting", "CloseDate": "2027-01-01"}),
        )
        .await;
    let path = org.data(&format!("/sobjects/Opportunity/{opp}"));
    let (_, read) = org.get_json(&path).await;
    assert_eq!(read["Probability"], 10.0);
    assert_eq!(read["ForecastCategory"], "Pipeline");
    assert_eq!(read["ForecastCategoryName"], "Pipeline");
    assert_eq!(read["IsPrivate"], false);
    assert_eq!(read["HasOpenActivity"], false);
    // A new stage brings its own; a probability the write gives is kept.
    org.send_json("PATCH", &path, &json!({"StageName": "Closed Won"}))
        .await;
    let (_, won) = org.get_json(&path).await;
    assert_eq!(
        (&won["Probability"], &won["ForecastCategory"], &won["IsWon"]),
        (&json!(100.0), &json!("Closed"), &json!(true))
    );
    org.send_json(
        "PATCH",
        &path,
        &json!({"StageName": "Negotiation/Review", "Probability": 35}),
    )
    .await;
    let (_, mine) = org.get_json(&path).await;
    assert_eq!(mine["Probability"], 35.0);
    assert_eq!(mine["ForecastCategoryName"], "Pipeline");
    let given = org
        .create(
            "Opportunity",
            json!({"Name": "Given", "StageName": "Prospecting", "CloseDate": "2027-01-01", "Probability": 42, "ForecastCategoryName": "Best Case"}),
        )
        .await;
    let (_, given) = org
        .get_json(&org.data(&format!("/sobjects/Opportunity/{given}")))
        .await;
    assert_eq!(given["Probability"], 42.0);
    assert_eq!(given["ForecastCategory"], "BestCase");
}

/// Records stored by an earlier sandbox, without those fields, are completed once at open.
#[tokio::test]
async fn records_stored_before_are_completed() {
    let path = std::env::temp_dir().join(format!(
        "pane-sandbox-complete-{}-{}.sqlite",
        std::process::id(),
        rand_suffix()
    ));
    let config = || {
        let mut config = SandboxConfig::default();
        config.org.database = Some(path.clone());
        config
    };
    let case_id;
    {
        let sandbox = pane_sandbox::spawn("127.0.0.1:0".parse().unwrap(), config())
            .await
            .unwrap();
        let store = &sandbox.state().org.store;
        let mut case = store.scan("Case", false).unwrap().remove(0);
        case_id = case.id.clone();
        for k in ["CaseNumber", "IsClosed", "IsEscalated"] {
            case.fields.remove(k);
        }
        store.put(&case, vec![]).unwrap();
        let mut opp = store.scan("Opportunity", false).unwrap().remove(0);
        for k in ["Probability", "ForecastCategory", "ForecastCategoryName"] {
            opp.fields.remove(k);
        }
        store.put(&opp, vec![]).unwrap();
        store.set_meta("completed_version", "0").unwrap();
        sandbox.shutdown();
    }
    let sandbox = pane_sandbox::spawn("127.0.0.1:0".parse().unwrap(), config())
        .await
        .unwrap();
    let store = &sandbox.state().org.store;
    let case = store.get(&case_id).unwrap().unwrap();
    assert!(case.fields["CaseNumber"].is_string(), "{:?}", case.fields);
    assert_eq!(case.fields["IsEscalated"], false);
    let opp = store.scan("Opportunity", false).unwrap().remove(0);
    assert!(opp.fields["Probability"].is_number());
    assert!(opp.fields["ForecastCategory"].is_string());
    drop(sandbox);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}
