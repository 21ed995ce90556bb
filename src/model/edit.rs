//! Inline editing of one field as a state machine: view → edit (pencil or Enter) → saving
//! (Enter or blur; shown optimistically) → view; or, refused, back to the edit with what was
//! typed and why (nothing the agent typed is lost); or a conflict offering to overwrite or keep
//! Salesforce's value. Escape cancels. An open edit
//! outlives its row: a re-read of the records draws the rows again, and a row of the field
//! whose edit is open ([`OpenEdit`]) starts editing again with what was typed
//! ([`EditState::resumed`]).

use serde_json::Value;

/// Where a field's inline edit is.
#[derive(Debug, Clone, PartialEq)]
pub enum EditState {
    /// Showing the value.
    Viewing,
    /// The input is open with the agent's draft.
    Editing {
        /// What is typed.
        draft: String,
        /// Why Salesforce refused it, when it did.
        message: Option<String>,
    },
    /// Saved optimistically: the draft is shown while the proxy answers.
    Saving {
        /// What is saved.
        draft: String,
        /// The value before, to roll back to.
        previous: Value,
    },
    /// The record changed in Salesforce since it was loaded.
    Conflict {
        /// What the agent typed.
        mine: String,
        /// Salesforce's value now.
        theirs: Value,
    },
}

/// What happens to a field.
#[derive(Debug, Clone, PartialEq)]
pub enum EditEvent {
    /// The pencil, or Enter on the focused field.
    Start {
        /// The value in the input when it opens.
        current: String,
    },
    /// Typing.
    Type(String),
    /// Enter or blur: save if changed, with the value it had.
    Commit {
        /// The value shown before the edit.
        previous: Value,
        /// The same value as the input shows it.
        previous_text: String,
    },
    /// Escape.
    Cancel,
    /// The proxy saved it.
    Saved,
    /// The proxy refused it.
    Failed(String),
    /// The record changed in Salesforce; its current value of this field.
    Conflicted(Value),
    /// From a conflict: save mine anyway (a new save, without the loaded date).
    Overwrite {
        /// Salesforce's value, rolled back to if this save fails too.
        previous: Value,
    },
    /// From a conflict: keep Salesforce's value.
    KeepTheirs,
}

/// What the component must do after a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditCommand {
    /// Nothing.
    None,
    /// Send this value to the proxy (with the loaded date unless `force`).
    Save {
        /// The typed value.
        draft: String,
        /// Overwrite whatever Salesforce has.
        force: bool,
    },
}

/// A field of a record: which row an open edit belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldKey {
    /// The record's object.
    pub object: String,
    /// The record's id.
    pub id: String,
    /// The field's API name.
    pub field: String,
}

/// An inline edit open in a field, and what is typed in it: kept beside the records, so a row
/// drawn again (the records read again after a save) opens it again as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEdit {
    /// The field.
    pub at: FieldKey,
    /// What is typed.
    pub draft: String,
    /// Why Salesforce refused it, when it did.
    pub message: Option<String>,
}

impl OpenEdit {
    /// The open edit `state` keeps for field `at`, `draft` what its input holds: one while
    /// editing, none otherwise (saving, a conflict, viewing).
    pub fn of(state: &EditState, at: &FieldKey, draft: &str) -> Option<OpenEdit> {
        match state {
            EditState::Editing { message, .. } => Some(OpenEdit {
                at: at.clone(),
                draft: draft.to_owned(),
                message: message.clone(),
            }),
            _ => None,
        }
    }
}

impl EditState {
    /// The starting state.
    pub fn viewing() -> EditState {
        EditState::Viewing
    }

    /// The state a row of field `at` starts in: editing `open`'s draft when `open` is this
    /// field's, else viewing.
    pub fn resumed(open: Option<&OpenEdit>, at: &FieldKey) -> EditState {
        match open {
            Some(open) if open.at == *at => EditState::Editing {
                draft: open.draft.clone(),
                message: open.message.clone(),
            },
            _ => EditState::viewing(),
        }
    }

    /// The next state, and what to do.
    pub fn next(self, event: EditEvent) -> (EditState, EditCommand) {
        use EditEvent as E;
        match (self, event) {
            (EditState::Viewing, E::Start { current }) => (
                EditState::Editing {
                    draft: current,
                    message: None,
                },
                EditCommand::None,
            ),
            (EditState::Editing { message, .. }, E::Type(text)) => (
                EditState::Editing {
                    draft: text,
                    message,
                },
                EditCommand::None,
            ),
            (
                EditState::Editing { draft, .. },
                E::Commit {
                    previous,
                    previous_text,
                },
            ) => {
                if draft.trim() == previous_text.trim() {
                    (EditState::viewing(), EditCommand::None)
                } else {
                    (
                        EditState::Saving {
                            draft: draft.clone(),
                            previous,
                        },
                        EditCommand::Save {
                            draft,
                            force: false,
                        },
                    )
                }
            }
            (EditState::Editing { .. }, E::Cancel) => (EditState::viewing(), EditCommand::None),
            (EditState::Saving { .. }, E::Saved) => (EditState::viewing(), EditCommand::None),
            (EditState::Saving { draft, .. }, E::Failed(message)) => (
                EditState::Editing {
                    draft,
                    message: Some(message),
                },
                EditCommand::None,
            ),
            (EditState::Saving { draft, .. }, E::Conflicted(theirs)) => (
                EditState::Conflict {
                    mine: draft,
                    theirs,
                },
                EditCommand::None,
            ),
            (EditState::Conflict { mine, .. }, E::Overwrite { previous }) => (
                EditState::Saving {
                    draft: mine.clone(),
                    previous,
                },
                EditCommand::Save {
                    draft: mine,
                    force: true,
                },
            ),
            (EditState::Conflict { .. }, E::KeepTheirs | E::Cancel) => {
                (EditState::viewing(), EditCommand::None)
            }
            // Anything else changes nothing (a late answer, a second commit from blur...).
            (state, _) => (state, EditCommand::None),
        }
    }

    /// Why the last save was refused, while its edit is open.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            EditState::Editing {
                message: Some(m), ..
            } => Some(m),
            _ => None,
        }
    }

    /// The value to show while viewing or saving: the draft when saving, else `None` (the
    /// record's own value).
    pub fn optimistic(&self) -> Option<&str> {
        match self {
            EditState::Saving { draft, .. } => Some(draft),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(events: Vec<EditEvent>) -> (EditState, Vec<EditCommand>) {
        let mut state = EditState::viewing();
        let mut effects = Vec::new();
        for e in events {
            let (next, effect) = state.next(e);
            state = next;
            if effect != EditCommand::None {
                effects.push(effect);
            }
        }
        (state, effects)
    }

    fn commit() -> EditEvent {
        EditEvent::Commit {
            previous: json!("Buyer"),
            previous_text: "Buyer".into(),
        }
    }

    /// The agent typed `CFO` and saved; Salesforce had `CEO` meanwhile; then `then`.
    fn conflicted(then: Vec<EditEvent>) -> Vec<EditEvent> {
        let start = EditEvent::Start {
            current: "Buyer".into(),
        };
        let mut events = vec![
            start,
            EditEvent::Type("CFO".into()),
            commit(),
            EditEvent::Conflicted(json!("CEO")),
        ];
        events.extend(then);
        events
    }

    /// The agent typed `x` and saved; Salesforce refused it; then `then`.
    fn refused(then: Vec<EditEvent>) -> Vec<EditEvent> {
        let start = EditEvent::Start {
            current: "Buyer".into(),
        };
        let mut events = vec![
            start,
            EditEvent::Type("x".into()),
            commit(),
            EditEvent::Failed("Too short".into()),
        ];
        events.extend(then);
        events
    }

    fn save(draft: &str, force: bool) -> EditCommand {
        EditCommand::Save {
            draft: draft.into(),
            force,
        }
    }

    #[test]
    fn transitions() {
        use EditEvent as E;
        let start = || E::Start {
            current: "Buyer".into(),
        };
        let overwrite = || E::Overwrite {
            previous: json!("CEO"),
        };
        let cases: Vec<(&str, Vec<EditEvent>, EditState, Vec<EditCommand>)> = vec![
            (
                "enter saves",
                vec![start(), E::Type("CFO".into()), commit(), E::Saved],
                EditState::viewing(),
                vec![save("CFO", false)],
            ),
            (
                "shown while saving",
                vec![start(), E::Type("CFO".into()), commit()],
                EditState::Saving {
                    draft: "CFO".into(),
                    previous: json!("Buyer"),
                },
                vec![save("CFO", false)],
            ),
            (
                "escape cancels",
                vec![start(), E::Type("CFO".into()), E::Cancel],
                EditState::viewing(),
                vec![],
            ),
            (
                "unchanged is not saved",
                vec![start(), E::Type(" Buyer ".into()), commit()],
                EditState::viewing(),
                vec![],
            ),
            (
                "a refusal keeps the edit open with the draft and why",
                refused(vec![]),
                EditState::Editing {
                    draft: "x".into(),
                    message: Some("Too short".into()),
                },
                vec![save("x", false)],
            ),
            (
                "typing after a refusal keeps why until the next save",
                refused(vec![E::Type("xyz".into())]),
                EditState::Editing {
                    draft: "xyz".into(),
                    message: Some("Too short".into()),
                },
                vec![save("x", false)],
            ),
            (
                "fixed after a refusal, it saves again",
                refused(vec![E::Type("xyz".into()), commit(), E::Saved]),
                EditState::viewing(),
                vec![save("x", false), save("xyz", false)],
            ),
            (
                "escape after a refusal goes back to the value",
                refused(vec![E::Cancel]),
                EditState::viewing(),
                vec![save("x", false)],
            ),
            (
                "a forced save refused keeps mine open",
                conflicted(vec![overwrite(), E::Failed("Too long".into())]),
                EditState::Editing {
                    draft: "CFO".into(),
                    message: Some("Too long".into()),
                },
                vec![save("CFO", false), save("CFO", true)],
            ),
            (
                "blur after enter saves once",
                vec![start(), E::Type("CFO".into()), commit(), commit()],
                EditState::Saving {
                    draft: "CFO".into(),
                    previous: json!("Buyer"),
                },
                vec![save("CFO", false)],
            ),
            (
                "a conflict offers both",
                conflicted(vec![]),
                EditState::Conflict {
                    mine: "CFO".into(),
                    theirs: json!("CEO"),
                },
                vec![save("CFO", false)],
            ),
            (
                "overwrite saves mine by force",
                conflicted(vec![overwrite(), E::Saved]),
                EditState::viewing(),
                vec![save("CFO", false), save("CFO", true)],
            ),
            (
                "keep theirs",
                conflicted(vec![E::KeepTheirs]),
                EditState::viewing(),
                vec![save("CFO", false)],
            ),
            (
                "a late answer while viewing changes nothing",
                vec![E::Saved, E::Failed("x".into())],
                EditState::viewing(),
                vec![],
            ),
            (
                "typing without editing changes nothing",
                vec![E::Type("x".into())],
                EditState::viewing(),
                vec![],
            ),
        ];
        for (name, events, want_state, want_effects) in cases {
            let (state, effects) = run(events);
            assert_eq!(state, want_state, "{name}");
            assert_eq!(effects, want_effects, "{name}");
        }
    }

    fn key(field: &str) -> FieldKey {
        FieldKey {
            object: "Contact".into(),
            id: "003A".into(),
            field: field.into(),
        }
    }

    #[test]
    fn a_row_drawn_again_resumes_its_open_edit() {
        let open = OpenEdit {
            at: key("Title"),
            draft: "Chief Bu".into(),
            message: Some("Too long".into()),
        };
        let editing = EditState::Editing {
            draft: "Chief Bu".into(),
            message: Some("Too long".into()),
        };
        let cases: Vec<(&str, Option<&OpenEdit>, FieldKey, EditState)> = vec![
            ("its own open edit", Some(&open), key("Title"), editing),
            (
                "another field's",
                Some(&open),
                key("Phone"),
                EditState::viewing(),
            ),
            ("none open", None, key("Title"), EditState::viewing()),
        ];
        for (name, open, at, want) in cases {
            assert_eq!(EditState::resumed(open, &at), want, "{name}");
        }
    }

    #[test]
    fn only_an_open_input_is_kept() {
        let at = key("Title");
        let kept = |state: EditState| OpenEdit::of(&state, &at, "CF");
        let cases: Vec<(&str, EditState, bool)> = vec![
            (
                "editing",
                EditState::Editing {
                    draft: "C".into(),
                    message: None,
                },
                true,
            ),
            ("viewing", EditState::viewing(), false),
            (
                "saving",
                EditState::Saving {
                    draft: "CF".into(),
                    previous: json!("Buyer"),
                },
                false,
            ),
            (
                "a conflict",
                EditState::Conflict {
                    mine: "CF".into(),
                    theirs: json!("CEO"),
                },
                false,
            ),
        ];
        for (name, state, want) in cases {
            let got = kept(state);
            assert_eq!(got.is_some(), want, "{name}");
            if let Some(open) = got {
                assert_eq!(
                    (open.at, open.draft.as_str()),
                    (key("Title"), "CF"),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn optimistic_value() {
        assert_eq!(
            EditState::Saving {
                draft: "CFO".into(),
                previous: json!("x")
            }
            .optimistic(),
            Some("CFO")
        );
        assert_eq!(EditState::viewing().optimistic(), None);
    }

    #[test]
    fn a_refusal_is_said_while_its_edit_is_open() {
        let refused = EditState::Editing {
            draft: "x".into(),
            message: Some("Too short".into()),
        };
        assert_eq!(refused.refusal(), Some("Too short"));
        let typing = EditState::Editing {
            draft: "x".into(),
            message: None,
        };
        assert_eq!(typing.refusal(), None);
        assert_eq!(EditState::viewing().refusal(), None);
    }
}
