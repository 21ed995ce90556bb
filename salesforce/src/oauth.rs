//! The connected app's side of Salesforce's OAuth 2.0 web-server flow: the authorize URL (with
//! PKCE), the code exchange, the identity URL, what a link learns (the "Modify All Data" check, the org's currency), revocation, and the
//! credentials a linked user's client refreshes with. Failures are read by
//! [`crate::error::from_response`] like every other answer.
//!
//! <https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm>,
//! <https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm>.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::composite::{Composite, CompositeAnswer, CompositeError, Ref, Request};
use crate::error::{from_reqwest, from_response};
use crate::soql::{Select, percent};
use crate::token::Credentials;

/// The scopes a link asks for: the REST API, a refresh token, and the identity URL.
pub const SCOPES: &str = "api refresh_token id";

/// A secret that never prints: its `Debug` is `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// `text`, kept secret.
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The secret itself, to send where it belongs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// A connected app and the login host it is used at.
#[derive(Debug, Clone)]
pub struct ConnectedApp {
    /// The login host: `https://login.salesforce.com`, or the sandbox org's base URL.
    pub login_url: String,
    /// Consumer key.
    pub client_id: String,
    /// Consumer secret.
    pub client_secret: Secret,
    /// API version, e.g. `59.0`.
    pub version: String,
}

/// What the code exchange answers.
#[derive(Debug, Deserialize)]
pub struct CodeTokens {
    /// The access token.
    pub access_token: String,
    /// The refresh token, when the app may have one (the `refresh_token` scope).
    pub refresh_token: Option<String>,
    /// The org's base URL.
    pub instance_url: String,
    /// The identity URL.
    pub id: String,
}

/// Who linked, from the identity URL.
#[derive(Debug, Deserialize)]
pub struct Identity {
    /// The user's id.
    pub user_id: String,
    /// Their org's id.
    pub organization_id: String,
    /// Their login.
    pub username: String,
    /// Their email.
    #[serde(default)]
    pub email: String,
}

impl ConnectedApp {
    fn token_url(&self) -> String {
        format!("{}/services/oauth2/token", self.login_url)
    }

    /// Where the browser goes to approve a link: `state` comes back with the code, which only
    /// the holder of the verifier behind `challenge` (S256) can exchange.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str, challenge: &str) -> String {
        format!(
            "{}/services/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge={}&code_challenge_method=S256&scope={}",
            self.login_url,
            percent(&self.client_id),
            percent(redirect_uri),
            percent(state),
            percent(challenge),
            percent(SCOPES),
        )
    }

    /// How a linked user's client gets new access tokens with their `refresh_token`.
    pub fn refresh_credentials(&self, refresh_token: String) -> Credentials {
        Credentials::RefreshToken {
            token_url: self.token_url(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.expose().to_owned(),
            refresh_token,
        }
    }

    /// Exchanges the authorization `code` (sent back to `redirect_uri`) and its PKCE
    /// `verifier` for tokens.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<CodeTokens, Error> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        read(http.post(self.token_url()).form(&form)).await
    }

    /// Revokes `token` (a refresh token revokes its access tokens too).
    pub async fn revoke(&self, http: &reqwest::Client, token: &str) -> Result<(), Error> {
        let url = format!("{}/services/oauth2/revoke", self.login_url);
        answer(http.post(url).form(&[("token", token)]))
            .await
            .map(drop)
    }
}

/// Who `tokens` belong to (their identity URL).
pub async fn identity(http: &reqwest::Client, tokens: &CodeTokens) -> Result<Identity, Error> {
    read(http.get(&tokens.id).bearer_auth(&tokens.access_token)).await
}

/// What the proxy learns when a user links, besides who they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkFacts {
    /// The user holds "Modify All Data".
    pub modify_all_data: bool,
    /// The org's currency, ISO 4217 (`Organization.DefaultCurrencyIsoCode`): the currency of
    /// every amount in a single-currency org, the corporate currency in a multi-currency one
    /// (Object Reference, Organization:
    /// <https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_organization.htm>).
    /// `None` when the org did not say.
    pub currency: Option<String>,
}

const PERMISSIONS: Ref = Ref::named("permissions");
const ORGANIZATION: Ref = Ref::named("organization");

/// The composite [`link_facts`] sends: two queries.
fn link_facts_request(version: &str) -> Result<Composite, CompositeError> {
    let mut composite = Composite::new(version);
    composite
        .add(
            PERMISSIONS,
            Request::Query(Select::column(
                "UserPermissionAccess",
                "PermissionsModifyAllData",
            )),
        )?
        .add(
            ORGANIZATION,
            Request::Query(Select::column("Organization", "DefaultCurrencyIsoCode")),
        )?;
    Ok(composite)
}

/// Whether the user behind `tokens` holds "Modify All Data", and their org's currency: one API
/// request (a Composite of two queries, API `version`). A query that fails leaves its fact at
/// its default (not an admin, no currency).
pub async fn link_facts(
    http: &reqwest::Client,
    tokens: &CodeTokens,
    version: &str,
) -> Result<LinkFacts, Error> {
    let composite = link_facts_request(version).map_err(|e| Error::Malformed {
        status: 0,
        detail: e.to_string(),
    })?;
    let url = format!("{}/services/data/v{version}/composite", tokens.instance_url);
    let request = http
        .post(url)
        .bearer_auth(&tokens.access_token)
        .json(&composite.body());
    let answer = CompositeAnswer::from_value(read(request).await?)?;
    let first = |reference: Ref, field: &str| {
        answer
            .records(reference)
            .first()
            .and_then(|r| r.get(field))
            .cloned()
    };
    Ok(LinkFacts {
        modify_all_data: first(PERMISSIONS, "PermissionsModifyAllData")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        currency: first(ORGANIZATION, "DefaultCurrencyIsoCode")
            .and_then(|v| v.as_str().map(str::to_owned))
            .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())),
    })
}

/// Sends `request` (once: these calls are not retried); its status and body, or Salesforce's
/// error.
async fn answer(request: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), Error> {
    let response = crate::trace::tagged(request)
        .send()
        .await
        .map_err(|e| from_reqwest(&e))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| from_reqwest(&e))?;
    if status >= 400 {
        return Err(from_response(status, &body));
    }
    Ok((status, body.to_vec()))
}

/// [`answer`], its JSON body read as `T`.
async fn read<T: DeserializeOwned>(request: reqwest::RequestBuilder) -> Result<T, Error> {
    let (status, body) = answer(request).await?;
    serde_json::from_slice(&body).map_err(|e| Error::Malformed {
        status,
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consumer_secret_never_prints() {
        let app = ConnectedApp {
            login_url: "https://login.example".into(),
            client_id: "key".into(),
            client_secret: Secret::new("s3cr3t"),
            version: "59.0".into(),
        };
        let printed = format!("{app:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(printed.contains("client_secret: ***"), "{printed}");
        assert_eq!(app.client_secret.expose(), "s3cr3t");
    }
}
