//! Inline editing of one field as a state machine: view → edit (pencil or Enter) → saving
//! (Enter or blur; shown optimistically) → view, or back to the old value with a message, or a
//! conflict offering to overwrite or keep Salesforce's value. Escape cancels.

use serde_json::Value;

/// Where a field's inline edit is.
#[derive(Debug, Clone, PartialEq)]
pub enum EditState {
    /// Showing the value.
    Viewing {
        /// What went wrong with the last save, if it failed.
        message: Option<String>,
    },
    /// The input is open with the agent's draft.
    Editing {
        /// What is typed.
        draft: String,
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

impl EditState {
    /// The starting state.
    pub fn viewing() -> EditState {
        EditState::Viewing { message: None }
    }

    /// The next state, and what to do.
    pub fn next(self, event: EditEvent) -> (EditState, EditCommand) {
        use EditEvent as E;
        match (self, event) {
            (EditState::Viewing { .. }, E::Start { current }) => {
                (EditState::Editing { draft: current }, EditCommand::None)
            }
            (EditState::Editing { .. }, E::Type(text)) => {
                (EditState::Editing { draft: text }, EditCommand::None)
            }
            (
                EditState::Editing { draft },
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
            (EditState::Saving { .. }, E::Failed(message)) => (
                EditState::Viewing {
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
                "a failure rolls back with a message",
                vec![
                    start(),
                    E::Type("x".into()),
                    commit(),
                    E::Failed("Too short".into()),
                ],
                EditState::Viewing {
                    message: Some("Too short".into()),
                },
                vec![save("x", false)],
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
                conflicted(vec![
                    E::Overwrite {
                        previous: json!("CEO"),
                    },
                    E::Saved,
                ]),
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
}
