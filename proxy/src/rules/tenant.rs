//! Rules per org. Each org has its own intake: an unguessable key in its webhook URL
//! (`/api/rules/{key}/{action}`, made when the org's first user links) and its own signing
//! secret, sealed like tokens. The intake takes the org from the URL's row only once the
//! signature verifies with that org's secret; nothing in the body routes a webhook. An admin
//! sees the URL and the secret in Settings (`GET /api/admin/rules/intake`) and rotates the
//! secret (`POST /api/admin/rules/intake/rotate`); the previous one stays valid for
//! [`GRACE_MS`] so the sender can switch.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use pane_wire::api::RuleIntake;

use super::signature::Refusal;
use crate::clock::now_ms;
use crate::config::Secret;
use crate::secrets::Sealer;
use crate::services::Services;
use crate::session::Admin;
use crate::store::org_intakes::Intake;
use crate::{AppState, ProxyError};

/// How long a rotated-out secret is still accepted.
pub const GRACE_MS: i64 = 24 * 60 * 60 * 1000;

/// How long a process trusts its copy of an intake it read. A copy only ever lacks a newer
/// secret (keys never change, and a rotated-out secret stays valid for [`GRACE_MS`]), and a
/// signature a copy refuses is checked again on the stored intake: a rotation is seen at once.
pub const INTAKE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// The intakes a process read, by key.
pub type IntakeCache = moka::sync::Cache<String, Intake>;

/// A new intake cache.
pub fn intake_cache() -> IntakeCache {
    moka::sync::Cache::builder()
        .max_capacity(10_000)
        .time_to_live(INTAKE_TTL)
        .build()
}

/// The admin's intake routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/rules/intake", get(read))
        .route("/api/admin/rules/intake/rotate", post(rotate))
}

/// A new intake key: 128 random bits, hex, under a prefix that says what it is.
fn new_key() -> String {
    format!("in_{:032x}", rand::random::<u128>())
}

/// The org's intake, made (with a new key and secret) if it has none.
pub async fn ensure(services: &Services, org_id: &str) -> Result<Intake, ProxyError> {
    if let Some(intake) = services.db.intake_of(org_id).await? {
        return Ok(intake);
    }
    let sealed = services.sealer.seal(Secret::random().expose())?;
    services.db.ensure_intake(org_id, &new_key(), &sealed).await
}

/// The secrets that sign the intake's webhooks at `now` (ms): the current one, and the one
/// before the last rotation while its grace lasts.
pub fn secrets(sealer: &Sealer, intake: &Intake, now: i64) -> Result<Vec<String>, ProxyError> {
    let mut secrets = vec![sealer.open(&intake.secret_sealed)?];
    if in_grace(intake, now) {
        secrets.push(sealer.open(&intake.previous_sealed)?);
    }
    Ok(secrets)
}

/// Whether the secret before the last rotation is still accepted at `now` (ms).
fn in_grace(intake: &Intake, now: i64) -> bool {
    !intake.previous_sealed.is_empty() && now < intake.previous_until
}

/// Accepts a webhook when `check` passes with any of `secrets`; else the refusal of the last
/// (a missing signature or a stale timestamp is the same with every secret).
pub fn any_secret(
    secrets: &[String],
    check: impl Fn(&[u8]) -> Result<(), Refusal>,
) -> Result<(), Refusal> {
    let mut refusal = Refusal::Missing;
    for secret in secrets {
        match check(secret.as_bytes()) {
            Ok(()) => return Ok(()),
            Err(r) => refusal = r,
        }
    }
    Err(refusal)
}

/// What the admin sees of their org's intake.
fn view(state: &AppState, intake: &Intake) -> Result<RuleIntake, ProxyError> {
    let origin = state.panel_origins.first().map_or("", String::as_str);
    let now = now_ms();
    let secret = state.services.sealer.open(&intake.secret_sealed)?;
    Ok(RuleIntake {
        url: format!("{origin}/api/rules/{}", intake.key),
        secret,
        previous_valid_until: in_grace(intake, now).then_some(intake.previous_until),
    })
}

async fn read(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Json<RuleIntake>, ProxyError> {
    let intake = ensure(&state.services, &admin.link.org_id).await?;
    Ok(Json(view(&state, &intake)?))
}

async fn rotate(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Json<RuleIntake>, ProxyError> {
    let org = &admin.link.org_id;
    ensure(&state.services, org).await?;
    let sealed = state.services.sealer.seal(Secret::random().expose())?;
    state
        .services
        .db
        .rotate_intake(org, &sealed, now_ms() + GRACE_MS)
        .await?;
    tracing::info!(%org, user = %admin.link.user_id, "rule webhook secret rotated");
    let intake = state
        .services
        .db
        .intake_of(org)
        .await?
        .ok_or_else(|| ProxyError::Database(format!("no intake for org {org}")))?;
    state.rules.intakes.invalidate(&intake.key);
    Ok(Json(view(&state, &intake)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_secret_accepts_a_signature_of_either_and_keeps_the_refusal() {
        let both = ["new".to_owned(), "old".to_owned()];
        // `None`: the check refuses a stale timestamp, whatever the secret.
        type Case<'a> = (&'a str, &'a [String], Option<&'a [u8]>, Result<(), Refusal>);
        let cases: [Case<'_>; 5] = [
            ("the current secret", &both, Some(b"new"), Ok(())),
            ("the previous one", &both, Some(b"old"), Ok(())),
            ("another", &both, Some(b"x"), Err(Refusal::Wrong)),
            ("no secret", &[], Some(b"new"), Err(Refusal::Missing)),
            ("stale with every one", &both, None, Err(Refusal::Stale)),
        ];
        for (name, secrets, signed_by, want) in cases {
            let check = |secret: &[u8]| match signed_by {
                None => Err(Refusal::Stale),
                Some(key) if key == secret => Ok(()),
                Some(_) => Err(Refusal::Wrong),
            };
            assert_eq!(any_secret(secrets, check), want, "{name}");
        }
    }

    #[test]
    fn the_previous_secret_signs_until_its_grace_ends() {
        let sealer = Sealer::from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap();
        let intake = Intake {
            org_id: "00DA".into(),
            key: new_key(),
            secret_sealed: sealer.seal("new").unwrap(),
            previous_sealed: sealer.seal("old").unwrap(),
            previous_until: 1_000,
        };
        let never_rotated = Intake {
            previous_sealed: String::new(),
            previous_until: 0,
            ..intake.clone()
        };
        let cases = [
            ("during the grace", &intake, 999, vec!["new", "old"]),
            ("when it ends", &intake, 1_000, vec!["new"]),
            ("never rotated", &never_rotated, 0, vec!["new"]),
        ];
        for (name, intake, now, want) in cases {
            assert_eq!(secrets(&sealer, intake, now).unwrap(), want, "{name}");
        }
    }

    #[test]
    fn keys_are_long_and_differ() {
        let (a, b) = (new_key(), new_key());
        assert_eq!(a.len(), 35);
        assert!(a.starts_with("in_") && a != b);
    }
}
