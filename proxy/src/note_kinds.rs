//! Which kind of notes each org keeps, learned from Salesforce's answers and remembered in
//! memory for a day: enhanced notes (ContentNote) where the org has them, else the classic
//! Note (every org has it). An org without enhanced notes refuses their object and
//! relationships as unknown ("Notes must be enabled", ContentNote, Object Reference:
//! https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentnote.htm):
//! `INVALID_TYPE` in a query, 404 `NOT_FOUND` on a REST path. Until an org's kind is known its
//! notes are asked as enhanced; a refusal teaches that it is classic, and the read is made
//! again, so an org's first read of notes may cost two requests and every later one one.

use std::time::Duration;

use pane_salesforce::{CompositeAnswer, Ref};
use pane_wire::api::NoteKind;

use crate::ProxyError;

/// How long an org's kind is remembered (an admin may turn enhanced notes on).
const REMEMBERED_FOR: Duration = Duration::from_secs(24 * 3600);

/// The orgs' note kinds, by org id.
#[derive(Debug, Clone)]
pub struct NoteKinds(moka::sync::Cache<String, NoteKind>);

impl Default for NoteKinds {
    fn default() -> Self {
        NoteKinds(
            moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(REMEMBERED_FOR)
                .build(),
        )
    }
}

impl NoteKinds {
    /// The kind `org_id` is known to keep, if known.
    pub fn known(&self, org_id: &str) -> Option<NoteKind> {
        self.0.get(org_id)
    }

    /// The kind to ask `org_id`'s notes as: the known one, else enhanced.
    pub fn asked(&self, org_id: &str) -> NoteKind {
        self.known(org_id).unwrap_or(NoteKind::Enhanced)
    }

    /// Remembers that `org_id` keeps `kind`.
    pub fn learn(&self, org_id: &str, kind: NoteKind) {
        self.0.insert(org_id.to_owned(), kind);
    }

    /// Asks `org_id`'s notes with `ask`, as the kind it keeps (enhanced until known): `ask`
    /// answers its result and what Salesforce said of the notes of the kind asked. When that
    /// teaches the org's kind ([`learned`]) it is remembered, and when it is not the kind asked
    /// the notes are asked again as it. The panel, the list and the add all ask so.
    pub async fn asking<T, Fut>(&self, org_id: &str, ask: impl Fn(NoteKind) -> Fut) -> T
    where
        Fut: Future<Output = (T, Vec<NotesAnswer>)>,
    {
        let known = self.known(org_id);
        let asked = known.unwrap_or(NoteKind::Enhanced);
        let (first, answers) = ask(asked).await;
        match learned(known, asked, answers) {
            Some(kind) if kind != asked => {
                self.learn(org_id, kind);
                tracing::info!(org = %org_id, ?kind, "the org keeps classic notes; asking them");
                ask(kind).await.0
            }
            Some(kind) => {
                self.learn(org_id, kind);
                first
            }
            None => first,
        }
    }
}

/// What Salesforce answered a read (or write) of notes of the kind asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotesAnswer {
    /// It was answered.
    Answered,
    /// The kind's object or relationship is not the org's (`INVALID_TYPE`, or a REST path's
    /// 404 `NOT_FOUND`).
    Unknown,
    /// Another refusal, or nothing was asked (no record to read the notes of).
    Other,
}

impl NotesAnswer {
    /// What `err` says of the notes asked.
    pub fn of_error(err: &pane_salesforce::Error) -> NotesAnswer {
        match (err.status(), err.code()) {
            (_, Some("INVALID_TYPE")) | (Some(404), Some("NOT_FOUND")) => NotesAnswer::Unknown,
            _ => NotesAnswer::Other,
        }
    }

    /// What a composite's subrequest `part` answered.
    pub fn of_part(composite: &CompositeAnswer, part: Ref) -> NotesAnswer {
        if composite.ok(part).is_some() {
            NotesAnswer::Answered
        } else {
            composite
                .error(part)
                .map_or(NotesAnswer::Other, |e| NotesAnswer::of_error(&e))
        }
    }
}

/// What the answers to notes asked as `asked` teach of an org whose kind was `known`: the
/// kind to remember, if any. A kind already known is not learned again; an answer learns the
/// kind asked; an unknown enhanced kind means classic notes. A classic kind refused as
/// unknown teaches nothing (the agent cannot read notes at all).
pub fn learned(
    known: Option<NoteKind>,
    asked: NoteKind,
    answers: impl IntoIterator<Item = NotesAnswer>,
) -> Option<NoteKind> {
    if known.is_some() {
        return None;
    }
    let mut unknown = false;
    for answer in answers {
        match answer {
            NotesAnswer::Answered => return Some(asked),
            NotesAnswer::Unknown => unknown = true,
            NotesAnswer::Other => {}
        }
    }
    (unknown && asked == NoteKind::Enhanced).then_some(NoteKind::Classic)
}

/// Whether a note of kind `note` may be written in an org keeping `org` (`None`: not known
/// yet): a note of a kind the org lacks is refused before Salesforce is asked. Every org has
/// the classic Note; only orgs with enhanced notes have ContentNote.
pub fn writable(org: Option<NoteKind>, note: NoteKind) -> Result<(), ProxyError> {
    match (org, note) {
        (Some(NoteKind::Classic), NoteKind::Enhanced) => Err(ProxyError::NotesUnavailable),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NoteKind::{Classic, Enhanced};
    use NotesAnswer::{Answered, Other, Unknown};

    #[test]
    fn answers_teach_the_kind_once() {
        for (known, asked, answers, kind) in [
            (None, Enhanced, vec![Answered], Some(Enhanced)),
            (None, Enhanced, vec![Unknown, Unknown], Some(Classic)),
            (None, Enhanced, vec![Other, Unknown], Some(Classic)),
            (None, Enhanced, vec![Unknown, Answered], Some(Enhanced)),
            (None, Enhanced, vec![Other], None),
            (None, Enhanced, vec![], None),
            (None, Classic, vec![Answered], Some(Classic)),
            (None, Classic, vec![Unknown], None),
            (Some(Enhanced), Enhanced, vec![Unknown], None),
            (Some(Classic), Classic, vec![Answered], None),
        ] {
            assert_eq!(
                learned(known, asked, answers.clone()),
                kind,
                "{known:?} {asked:?} {answers:?}"
            );
        }
    }

    #[test]
    fn a_note_of_a_kind_the_org_lacks_is_not_written() {
        for (org, note, ok) in [
            (Some(Enhanced), Enhanced, true),
            (Some(Enhanced), Classic, true),
            (Some(Classic), Classic, true),
            (Some(Classic), Enhanced, false),
            (None, Enhanced, true),
            (None, Classic, true),
        ] {
            let answer = writable(org, note);
            assert_eq!(answer.is_ok(), ok, "{org:?} {note:?}");
            if !ok {
                assert!(matches!(answer, Err(ProxyError::NotesUnavailable)));
            }
        }
    }

    #[test]
    fn unknown_objects_are_told_from_other_refusals() {
        use pane_salesforce::error::api;
        for (err, answer) in [
            (api(400, "INVALID_TYPE"), Unknown),
            (api(404, "NOT_FOUND"), Unknown),
            (api(400, "PROCESSING_HALTED"), Other),
            (api(403, "INSUFFICIENT_ACCESS"), Other),
        ] {
            assert_eq!(NotesAnswer::of_error(&err), answer, "{err}");
        }
    }
}
