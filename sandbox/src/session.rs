//! Token bookkeeping: what was issued to whom, and whether it is still good.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::id::SfId;

/// A connected app: who may ask for tokens, and where codes may be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectedApp {
    /// `client_id` (Salesforce's "consumer key").
    pub client_id: String,
    /// `client_secret` (the "consumer secret").
    pub client_secret: String,
    /// Allowed callback URLs; a `*` port matches any port (`http://127.0.0.1:*/oauth/callback`).
    pub redirect_uris: Vec<String>,
}

impl ConnectedApp {
    /// Whether `uri` is one of the app's callbacks.
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|allowed| match allowed.split_once(":*") {
                Some((head, tail)) => uri
                    .strip_prefix(head)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|rest| {
                        let digits = rest.chars().take_while(char::is_ascii_digit).count();
                        digits > 0 && &rest[digits..] == tail
                    }),
                None => allowed == uri,
            })
    }
}

/// A valid access token's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user.
    pub user_id: SfId,
    /// The connected app it was issued to.
    pub client_id: String,
}

#[derive(Debug, Clone)]
struct Issued {
    session: Session,
    expires_at: std::time::Instant,
    /// The refresh token it was issued with or for, if any: revoking that one ends it too.
    refresh: Option<String>,
}

#[derive(Debug, Clone)]
struct Code {
    session: Session,
    redirect_uri: String,
    challenge: Option<String>,
    expires_at: std::time::Instant,
}

/// What a token request answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The access token.
    pub access_token: String,
    /// A refresh token, when one is issued.
    pub refresh_token: Option<String>,
    /// The session.
    pub session: Session,
    /// Epoch milliseconds.
    pub issued_at: i64,
}

#[derive(Debug, Default)]
struct Tables {
    access: HashMap<String, Issued>,
    refresh: HashMap<String, Session>,
    codes: HashMap<String, Code>,
    /// Login sessions on the login host: the `sid` cookie's value → its user and the
    /// anti-forgery token of its consent form.
    logins: HashMap<String, Login>,
    /// Who approved which connected app: (user, `client_id`).
    approvals: HashSet<(SfId, String)>,
}

/// The token of an `Authorization: Bearer ...` (or `OAuth ...`) header.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("OAuth "))
        })
        .map(str::trim)
}

/// A login session on the login host.
#[derive(Debug)]
struct Login {
    user: SfId,
    /// The consent form's anti-forgery token: the "Allow" POST must carry it, so that another
    /// site cannot make a logged-in browser approve an app ("The authorization server MUST
    /// implement CSRF protection for its authorization endpoint and ensure that a malicious
    /// client cannot obtain authorization without the awareness and explicit consent of the
    /// resource owner", RFC 6749, 10.12, https://www.rfc-editor.org/rfc/rfc6749#section-10.12).
    form_token: String,
}

/// Every token the org issued.
#[derive(Debug)]
pub struct Auth {
    /// The connected apps.
    pub apps: Vec<ConnectedApp>,
    /// How long access tokens last.
    pub ttl: Duration,
    org_id: String,
    tables: Mutex<Tables>,
    refreshes: std::sync::atomic::AtomicU64,
    revocations: std::sync::atomic::AtomicU64,
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

impl Auth {
    /// Token bookkeeping for `apps`, tokens lasting `ttl`, in org `org_id`.
    pub fn new(apps: Vec<ConnectedApp>, ttl: Duration, org_id: &str) -> Auth {
        Auth {
            apps,
            ttl,
            org_id: org_id.to_owned(),
            tables: Mutex::new(Tables::default()),
            refreshes: std::sync::atomic::AtomicU64::new(0),
            revocations: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        // A poisoned lock only means a panic elsewhere mid-update; the maps stay usable.
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A connected app by client id.
    pub fn app(&self, client_id: &str) -> Option<&ConnectedApp> {
        self.apps.iter().find(|a| a.client_id == client_id)
    }

    /// Issues an access token (and a refresh token when `with_refresh`).
    pub fn issue(&self, session: Session, with_refresh: bool) -> TokenGrant {
        let refresh_token = with_refresh.then(|| random_token(48));
        self.issue_in(session, refresh_token)
    }

    /// Issues an access token belonging to `refresh_token` (new, or the one refreshed).
    fn issue_in(&self, session: Session, refresh_token: Option<String>) -> TokenGrant {
        let access_token = format!(
            "{}!{}",
            &self.org_id[..15.min(self.org_id.len())],
            random_token(48)
        );
        let mut t = self.tables();
        let now = std::time::Instant::now();
        t.access.retain(|_, issued| issued.expires_at > now);
        t.codes.retain(|_, code| code.expires_at > now);
        t.access.insert(
            access_token.clone(),
            Issued {
                session: session.clone(),
                expires_at: std::time::Instant::now() + self.ttl,
                refresh: refresh_token.clone(),
            },
        );
        if let Some(r) = &refresh_token {
            t.refresh.insert(r.clone(), session.clone());
        }
        TokenGrant {
            access_token,
            refresh_token,
            session,
            issued_at: crate::time::now_ms(),
        }
    }

    /// The session of a live access token.
    pub fn session(&self, token: &str) -> Option<Session> {
        let t = self.tables();
        let issued = t.access.get(token)?;
        (issued.expires_at > std::time::Instant::now()).then(|| issued.session.clone())
    }

    /// A new access token for a refresh token issued to `client_id`.
    pub fn refresh(&self, refresh_token: &str, client_id: &str) -> Option<TokenGrant> {
        let session = self.tables().refresh.get(refresh_token).cloned()?;
        (session.client_id == client_id).then(|| {
            self.refreshes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut grant = self.issue_in(session, Some(refresh_token.to_owned()));
            grant.refresh_token = None;
            grant
        })
    }

    /// How many access tokens were issued for refresh tokens so far.
    pub fn refreshes(&self) -> u64 {
        self.refreshes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stores an authorization code for a later token request.
    pub fn code(&self, session: Session, redirect_uri: &str, challenge: Option<String>) -> String {
        let code = random_token(32);
        self.tables().codes.insert(
            code.clone(),
            Code {
                session,
                redirect_uri: redirect_uri.to_owned(),
                challenge,
                expires_at: std::time::Instant::now() + Duration::from_secs(15 * 60),
            },
        );
        code
    }

    /// Redeems an authorization code (once): the redirect URI must match and, when the code
    /// was asked with a challenge, `SHA256(verifier)` must equal it.
    pub fn redeem(
        &self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
        verifier: Option<&str>,
    ) -> Result<Session, &'static str> {
        let found = self
            .tables()
            .codes
            .remove(code)
            .ok_or("invalid authorization code")?;
        if found.expires_at < std::time::Instant::now() || found.session.client_id != client_id {
            return Err("invalid authorization code");
        }
        if found.redirect_uri != redirect_uri {
            return Err("redirect_uri must match configuration");
        }
        if let Some(challenge) = found.challenge {
            let verifier = verifier.ok_or("invalid code verifier")?;
            if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != challenge {
                return Err("invalid code verifier");
            }
        }
        Ok(found.session)
    }

    /// Revokes an access or refresh token: "If an access token is included, Salesforce
    /// invalidates it and revokes the token. If a refresh token is included, Salesforce revokes
    /// it and any associated access tokens" (Revoking OAuth Tokens,
    /// https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-revoking-tokens.html;
    /// "revoke the app's access token, or the refresh token and all related access tokens",
    /// https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_revoke_token.htm).
    /// The user's other sessions (other refresh tokens, other logins) stay good.
    pub fn revoke(&self, token: &str) -> bool {
        let mut t = self.tables();
        let revoked = if t.refresh.remove(token).is_some() {
            t.access
                .retain(|_, issued| issued.refresh.as_deref() != Some(token));
            true
        } else {
            t.access.remove(token).is_some()
        };
        if revoked {
            self.revocations
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        revoked
    }

    /// Starts a login session for `user` (a successful username and password on the
    /// authorize page) and answers its `sid`, the cookie the login host sets.
    pub fn login(&self, user: SfId) -> String {
        let sid = random_token(32);
        let form_token = random_token(32);
        self.tables()
            .logins
            .insert(sid.clone(), Login { user, form_token });
        sid
    }

    /// The user of a login session, if `sid` is one.
    pub fn logged_in(&self, sid: &str) -> Option<SfId> {
        self.tables().logins.get(sid).map(|l| l.user.clone())
    }

    /// The anti-forgery token the consent form of login session `sid` carries.
    pub fn form_token(&self, sid: &str) -> Option<String> {
        self.tables().logins.get(sid).map(|l| l.form_token.clone())
    }

    /// Whether `token` is login session `sid`'s consent-form token (compared in constant
    /// time).
    pub fn form_token_matches(&self, sid: &str, token: &str) -> bool {
        let Some(expected) = self.form_token(sid) else {
            return false;
        };
        expected.len() == token.len()
            && expected
                .bytes()
                .zip(token.bytes())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }

    /// Records that `user` approved the connected app `client_id`: while they stay logged in,
    /// the authorize page sends them straight back with a code.
    pub fn approve(&self, user: &SfId, client_id: &str) {
        self.tables()
            .approvals
            .insert((user.clone(), client_id.to_owned()));
    }

    /// Whether `user` approved the connected app `client_id` (and no admin revoked it since).
    pub fn approved(&self, user: &SfId, client_id: &str) -> bool {
        self.tables()
            .approvals
            .contains(&(user.clone(), client_id.to_owned()))
    }

    /// Revokes every refresh token of `user` and the access tokens issued with them, as an
    /// admin revoking the app's access for the user does (Setup → Connected Apps OAuth Usage);
    /// answers how many refresh tokens. The user's approvals go too, so the authorize page
    /// asks them again; their login sessions stay (revoking an app does not log anyone out).
    /// Used by tests through the control path.
    pub fn revoke_user(&self, user: &SfId) -> usize {
        let mut t = self.tables();
        t.approvals.retain(|(u, _)| u != user);
        let gone: Vec<String> = t
            .refresh
            .iter()
            .filter(|(_, s)| &s.user_id == user)
            .map(|(k, _)| k.clone())
            .collect();
        for token in &gone {
            t.refresh.remove(token);
        }
        t.access
            .retain(|_, issued| issued.refresh.as_ref().is_none_or(|r| !gone.contains(r)));
        gone.len()
    }

    /// How many tokens were revoked so far.
    pub fn revocations(&self) -> u64 {
        self.revocations.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Expires every access token at once (refresh tokens stay good).
    pub fn expire_all(&self) {
        self.tables().access.clear();
    }

    /// Salesforce's token `signature`: base64 HMAC-SHA256 of `id + issued_at`, keyed with the
    /// client secret.
    pub fn signature(secret: &str, id_url: &str, issued_at: &str) -> String {
        // HMAC accepts keys of any length.
        #[allow(clippy::expect_used, reason = "HMAC takes any key length")]
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(id_url.as_bytes());
        mac.update(issued_at.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::new(
            vec![ConnectedApp {
                client_id: "cid".into(),
                client_secret: "secret".into(),
                redirect_uris: vec![
                    "http://127.0.0.1:*/oauth/callback".into(),
                    "https://app.example/cb".into(),
                ],
            }],
            Duration::from_secs(60),
            "00DPa0000000001IAA",
        )
    }

    fn session() -> Session {
        Session {
            user_id: SfId::mint("005", 1),
            client_id: "cid".into(),
        }
    }

    #[test]
    fn redirect_uris_with_any_port() {
        let app = &auth().apps[0];
        assert!(app.allows_redirect("http://127.0.0.1:8080/oauth/callback"));
        assert!(app.allows_redirect("https://app.example/cb"));
        assert!(!app.allows_redirect("http://127.0.0.1:/oauth/callback"));
        assert!(!app.allows_redirect("http://127.0.0.1:80/oauth/callback/x"));
        assert!(!app.allows_redirect("http://evil.example:80/oauth/callback"));
    }

    #[test]
    fn pkce_codes_redeem_once_with_the_right_verifier() {
        let auth = auth();
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        // RFC 7636's example pair.
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let code = auth.code(session(), "https://app.example/cb", Some(challenge.into()));
        assert_eq!(
            auth.redeem(&code, "cid", "https://app.example/cb", Some("wrong")),
            Err("invalid code verifier")
        );
        let code = auth.code(session(), "https://app.example/cb", Some(challenge.into()));
        assert_eq!(
            auth.redeem(&code, "cid", "https://app.example/other", Some(verifier)),
            Err("redirect_uri must match configuration")
        );
        let code = auth.code(session(), "https://app.example/cb", Some(challenge.into()));
        assert_eq!(
            auth.redeem(&code, "cid", "https://app.example/cb", Some(verifier)),
            Ok(session())
        );
        assert_eq!(
            auth.redeem(&code, "cid", "https://app.example/cb", Some(verifier)),
            Err("invalid authorization code")
        );
    }

    #[test]
    fn tokens_refresh_expire_and_revoke() {
        let auth = auth();
        let grant = auth.issue(session(), true);
        assert_eq!(auth.session(&grant.access_token), Some(session()));
        auth.expire_all();
        assert_eq!(auth.session(&grant.access_token), None);
        let refresh = grant.refresh_token.clone().unwrap();
        assert!(auth.refresh(&refresh, "other-client").is_none());
        let again = auth.refresh(&refresh, "cid").unwrap();
        assert_eq!(auth.session(&again.access_token), Some(session()));
        let other = auth.issue(session(), true);
        let plain = auth.issue(session(), false);
        assert!(auth.revoke(&refresh));
        assert_eq!(auth.session(&again.access_token), None);
        assert!(auth.refresh(&refresh, "cid").is_none());
        // The same user's other sessions are not this token's.
        assert_eq!(auth.session(&other.access_token), Some(session()));
        assert_eq!(auth.session(&plain.access_token), Some(session()));
        let from_other = auth
            .refresh(other.refresh_token.as_deref().unwrap(), "cid")
            .unwrap();
        // An access token alone: only it.
        assert!(auth.revoke(&other.access_token));
        assert_eq!(auth.session(&from_other.access_token), Some(session()));
        assert!(
            auth.refresh(other.refresh_token.as_deref().unwrap(), "cid")
                .is_some()
        );
    }

    #[test]
    fn logins_and_approvals_and_revoking_a_user() {
        let auth = auth();
        let ana = SfId::mint("005", 1);
        let bo = SfId::mint("005", 2);
        assert_eq!(auth.logged_in("nope"), None);
        let sid = auth.login(ana.clone());
        assert_eq!(auth.logged_in(&sid), Some(ana.clone()));
        let token = auth.form_token(&sid).unwrap();
        assert!(auth.form_token_matches(&sid, &token));
        assert!(!auth.form_token_matches(&sid, ""));
        assert!(!auth.form_token_matches(&sid, &token[1..]));
        assert!(!auth.form_token_matches("nope", &token));
        let other = auth.login(ana.clone());
        assert!(
            !auth.form_token_matches(&other, &token),
            "bound to its session"
        );
        assert!(!auth.approved(&ana, "cid"));
        auth.approve(&ana, "cid");
        auth.approve(&bo, "cid");
        assert!(auth.approved(&ana, "cid"));
        assert!(!auth.approved(&ana, "other"));
        // Revoking forgets the user's approvals, not their login nor other users' approvals.
        auth.revoke_user(&ana);
        assert!(!auth.approved(&ana, "cid"));
        assert!(auth.approved(&bo, "cid"));
        assert_eq!(auth.logged_in(&sid), Some(ana));
    }

    #[test]
    fn signature_is_hmac_sha256_of_id_and_issued_at() {
        // Computed independently: printf 'https://x/id/00D/005123' | openssl dgst -sha256 -hmac secret -binary | base64
        assert_eq!(
            Auth::signature("secret", "https://x/id/00D/005", "123"),
            "DIgXe2KypL8RZEj1SwGaTaTMPEBZSUsZcOPykg54Aqk="
        );
        assert_ne!(
            Auth::signature("secret", "a", "1"),
            Auth::signature("secret", "a", "2")
        );
    }
}
