//! Logging in on the sandbox org's login page as a person would: shared by the proxy's
//! integration tests and its benchmark (included with `#[path]`).

use std::collections::HashMap;

fn hidden_inputs(html: &str) -> HashMap<String, String> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.split("name=\"").nth(1)?.split('"').next()?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((
                name.to_owned(),
                value
                    .replace("&amp;", "&")
                    .replace("&#39;", "'")
                    .replace("&quot;", "\""),
            ))
        })
        .collect()
}

/// Logs in as the demo admin on the Salesforce login page at `authorize` (the sandbox org's),
/// as a person would, and answers the redirect back to the proxy.
pub async fn login_on_page(http: &reqwest::Client, authorize: &str) -> reqwest::Response {
    login_on_page_as(http, authorize, "ana@pane-support.example", "demo-ana-1").await
}

/// [`login_on_page`] as `user`.
pub async fn login_on_page_as(
    http: &reqwest::Client,
    authorize: &str,
    user: &str,
    password: &str,
) -> reqwest::Response {
    let page = http
        .get(authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form = hidden_inputs(&page);
    form.insert("username".into(), user.into());
    form.insert("password".into(), password.into());
    let login = authorize.split('?').next().unwrap();
    http.post(login).form(&form).send().await.unwrap()
}
