//! Access tokens: fetched when first needed, refreshed once when Salesforce says the session
//! expired, single-flight across concurrent requests.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;
use tokio::sync::Mutex;

use crate::Error;
use crate::error::from_response;

/// A usable access token and where to use it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// The bearer token.
    pub access_token: String,
    /// The org's base URL.
    pub instance_url: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token itself.
        f.debug_struct("Token")
            .field("instance_url", &self.instance_url)
            .finish_non_exhaustive()
    }
}

/// How new tokens are obtained.
#[derive(Clone)]
pub enum Credentials {
    /// A refresh token (the OAuth web-server flow's), the usual case.
    RefreshToken {
        /// `https://login.salesforce.com/services/oauth2/token` or the org's.
        token_url: String,
        /// Connected app.
        client_id: String,
        /// Connected app secret.
        client_secret: String,
        /// The refresh token.
        refresh_token: String,
    },
    /// Username and password (scripts and tests).
    Password {
        /// Token endpoint.
        token_url: String,
        /// Connected app.
        client_id: String,
        /// Connected app secret.
        client_secret: String,
        /// Login.
        username: String,
        /// Password.
        password: String,
    },
}

impl Credentials {
    /// The username-password grant (jsforce's `login`, simple-salesforce's username and
    /// password) at the token endpoint of `login_url`, for the connected app `app` (client id,
    /// secret) and `user` (username, password).
    pub fn password(login_url: &str, app: (String, String), user: (&str, &str)) -> Self {
        Credentials::Password {
            token_url: format!("{login_url}/services/oauth2/token"),
            client_id: app.0,
            client_secret: app.1,
            username: user.0.into(),
            password: user.1.into(),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets stay out of logs.
        match self {
            Credentials::RefreshToken { token_url, .. } => f
                .debug_struct("RefreshToken")
                .field("token_url", token_url)
                .finish_non_exhaustive(),
            Credentials::Password {
                token_url,
                username,
                ..
            } => f
                .debug_struct("Password")
                .field("token_url", token_url)
                .field("username", username)
                .finish_non_exhaustive(),
        }
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    instance_url: String,
}

/// The tokens of one Salesforce user.
#[derive(Debug)]
pub struct Tokens {
    http: reqwest::Client,
    credentials: Credentials,
    current: Mutex<Option<Token>>,
    fetched: AtomicU64,
}

impl Tokens {
    /// Tokens from `credentials`, starting with `initial` when one is at hand.
    pub fn new(http: reqwest::Client, credentials: Credentials, initial: Option<Token>) -> Tokens {
        Tokens {
            http,
            credentials,
            current: Mutex::new(initial),
            fetched: AtomicU64::new(0),
        }
    }

    /// How many tokens were fetched from Salesforce.
    pub fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::SeqCst)
    }

    /// The current token, fetching one if there is none.
    pub async fn current(&self) -> Result<Token, Error> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref() {
            return Ok(token.clone());
        }
        let token = self.fetch().await?;
        *current = Some(token.clone());
        Ok(token)
    }

    /// A fresh token after `stale` was refused. Concurrent callers with the same stale token
    /// wait for one fetch and share its result.
    pub async fn refresh(&self, stale: &Token) -> Result<Token, Error> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref()
            && token.access_token != stale.access_token
        {
            return Ok(token.clone());
        }
        let token = self.fetch().await?;
        *current = Some(token.clone());
        Ok(token)
    }

    async fn fetch(&self) -> Result<Token, Error> {
        let (url, form): (&str, Vec<(&str, &str)>) = match &self.credentials {
            Credentials::RefreshToken {
                token_url,
                client_id,
                client_secret,
                refresh_token,
            } => (
                token_url,
                vec![
                    ("grant_type", "refresh_token"),
                    ("client_id", client_id),
                    ("client_secret", client_secret),
                    ("refresh_token", refresh_token),
                ],
            ),
            Credentials::Password {
                token_url,
                client_id,
                client_secret,
                username,
                password,
            } => (
                token_url,
                vec![
                    ("grant_type", "password"),
                    ("client_id", client_id),
                    ("client_secret", client_secret),
                    ("username", username),
                    ("password", password),
                ],
            ),
        };
        let response = crate::trace::tagged(self.http.post(url).form(&form))
            .send()
            .await
            .map_err(|e| crate::error::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::Transport(e.to_string()))?;
        if status >= 400 {
            return Err(from_response(status, &body));
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|e| Error::Malformed {
            status,
            detail: e.to_string(),
        })?;
        self.fetched.fetch_add(1, Ordering::SeqCst);
        tracing::info!(instance = %answer.instance_url, "Salesforce access token fetched");
        Ok(Token {
            access_token: answer.access_token,
            instance_url: answer.instance_url,
        })
    }
}
