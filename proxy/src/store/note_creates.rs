//! The notes made from the panel, one per (org, user, key): a key is claimed here before the
//! Salesforce write and answered with the note once made, so the same key sent again (to this
//! proxy or another on the same database, or after a crash) answers that note.

use super::Db;
use crate::ProxyError;

/// How long a made note's key is kept: longer than any retry of it.
const KEEP_SECS: i64 = 24 * 3600;

/// A key's claim, as [`Db::claim_note`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteClaim {
    /// Claimed now, by this caller: it makes the note.
    Mine,
    /// Its note was made: the answer.
    Made(String),
    /// Claimed at this time (epoch seconds) by an attempt not finished (or lost).
    Pending(i64),
}

/// Which org, user and key a note create is.
#[derive(Debug, Clone, Copy)]
pub struct NoteKey<'a> {
    pub org_id: &'a str,
    pub user_id: &'a str,
    pub key: &'a str,
}

impl Db {
    /// Claims `key` at `now` (epoch seconds), or tells who holds it.
    pub async fn claim_note(&self, key: NoteKey<'_>, now: i64) -> Result<NoteClaim, ProxyError> {
        sqlx::query("DELETE FROM note_creates WHERE claimed_at < $1")
            .bind(now - KEEP_SECS)
            .execute(&self.pool)
            .await?;
        let claimed = sqlx::query(
            "INSERT INTO note_creates (org_id, user_id, note_key, claimed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (org_id, user_id, note_key) DO NOTHING",
        )
        .bind(key.org_id)
        .bind(key.user_id)
        .bind(key.key)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if claimed.rows_affected() == 1 {
            return Ok(NoteClaim::Mine);
        }
        let row = sqlx::query_as::<_, (String, i64)>(
            "SELECT note_id, claimed_at FROM note_creates WHERE org_id = $1 AND user_id = $2 AND note_key = $3",
        )
        .bind(key.org_id)
        .bind(key.user_id)
        .bind(key.key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some((note, _)) if !note.is_empty() => NoteClaim::Made(note),
            Some((_, at)) => NoteClaim::Pending(at),
            // Released between the insert and the read: claim it again next time.
            None => NoteClaim::Pending(now),
        })
    }

    /// Takes over a pending claim made at `claimed_at` (its attempt is lost): true when this
    /// caller now holds it, claimed at `now`.
    pub async fn take_over_note(
        &self,
        key: NoteKey<'_>,
        claimed_at: i64,
        now: i64,
    ) -> Result<bool, ProxyError> {
        let taken = sqlx::query(
            "UPDATE note_creates SET claimed_at = $5
             WHERE org_id = $1 AND user_id = $2 AND note_key = $3 AND claimed_at = $4 AND note_id = ''",
        )
        .bind(key.org_id)
        .bind(key.user_id)
        .bind(key.key)
        .bind(claimed_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Answers `key` with the note made.
    pub async fn note_made(&self, key: NoteKey<'_>, note_id: &str) -> Result<(), ProxyError> {
        sqlx::query(
            "UPDATE note_creates SET note_id = $4 WHERE org_id = $1 AND user_id = $2 AND note_key = $3",
        )
        .bind(key.org_id)
        .bind(key.user_id)
        .bind(key.key)
        .bind(note_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets `key`'s claim: no note was made, the key may be sent again.
    pub async fn release_note(&self, key: NoteKey<'_>) -> Result<(), ProxyError> {
        sqlx::query(
            "DELETE FROM note_creates WHERE org_id = $1 AND user_id = $2 AND note_key = $3 AND note_id = ''",
        )
        .bind(key.org_id)
        .bind(key.user_id)
        .bind(key.key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether `note_id` of `org_id` already answers some key.
    pub async fn note_answered(&self, org_id: &str, note_id: &str) -> Result<bool, ProxyError> {
        let row = sqlx::query_as::<_, (String,)>(
            "SELECT note_id FROM note_creates WHERE org_id = $1 AND note_id = $2",
        )
        .bind(org_id)
        .bind(note_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const K: NoteKey<'static> = NoteKey {
        org_id: "org1",
        user_id: "005A",
        key: "k1",
    };

    /// Claims, answers, takes over and releases, as both databases must.
    pub async fn exercise(db: &Db) {
        assert_eq!(db.claim_note(K, 100).await.unwrap(), NoteClaim::Mine);
        assert_eq!(
            db.claim_note(K, 101).await.unwrap(),
            NoteClaim::Pending(100)
        );
        let other_user = NoteKey {
            user_id: "005B",
            ..K
        };
        assert_eq!(
            db.claim_note(other_user, 101).await.unwrap(),
            NoteClaim::Mine
        );
        assert!(
            !db.take_over_note(K, 99, 102).await.unwrap(),
            "not its claim"
        );
        assert!(db.take_over_note(K, 100, 102).await.unwrap());
        assert!(!db.take_over_note(K, 100, 103).await.unwrap(), "taken once");
        assert!(!db.note_answered("org1", "069A").await.unwrap());
        db.note_made(K, "069A").await.unwrap();
        assert!(db.note_answered("org1", "069A").await.unwrap());
        db.release_note(K).await.unwrap();
        assert_eq!(
            db.claim_note(K, 104).await.unwrap(),
            NoteClaim::Made("069A".into()),
            "a made note is not released"
        );
        db.release_note(other_user).await.unwrap();
        assert_eq!(
            db.claim_note(other_user, 105).await.unwrap(),
            NoteClaim::Mine
        );
        assert_eq!(
            db.claim_note(K, 104 + KEEP_SECS + 1).await.unwrap(),
            NoteClaim::Mine,
            "kept a day"
        );
    }

    #[tokio::test]
    async fn a_key_is_claimed_once_answered_and_taken_over_once() {
        exercise(&Db::connect("sqlite::memory:").await.unwrap()).await;
    }
}
