//! The Salesforce objects the panel and the proxy work with, in one table: which may be
//! picked fields for, created and described, the fields the panel always reads, and the
//! fields a card shows before the agent or the admin picks some.

/// One object and what the panel does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SObject {
    /// API name (`Contact`).
    pub name: &'static str,
    /// Its fields can be picked (the cog, the admin's defaults and mandatory fields).
    pub pickable: bool,
    /// The fields the panel always reads, whatever was picked (empty when not pickable).
    pub needed: &'static [&'static str],
    /// The fields a card shows before anyone picks some.
    pub shown: &'static [&'static str],
}

/// Every object the panel creates and describes (all of them), in the panel's order.
pub const SOBJECTS: &[SObject] = &[
    SObject {
        name: "Contact",
        pickable: true,
        needed: &["Name", "Email", "AccountId", "LastModifiedDate"],
        shown: &["Title", "Email", "Phone", "MobilePhone"],
    },
    SObject {
        name: "Lead",
        pickable: true,
        needed: &["Name", "Email", "Company", "LastModifiedDate"],
        shown: &["Title", "Company", "Email", "Phone", "Status"],
    },
    SObject {
        name: "Account",
        pickable: true,
        needed: &["Name", "Website", "LastModifiedDate"],
        shown: &["Website", "Phone", "Industry", "Type"],
    },
    SObject {
        name: "Opportunity",
        pickable: true,
        needed: &["Name", "LastModifiedDate"],
        shown: &["StageName", "Amount", "CloseDate"],
    },
    SObject {
        name: "Case",
        pickable: true,
        needed: &["CaseNumber", "Subject", "LastModifiedDate"],
        shown: &["Status", "Priority", "CreatedDate"],
    },
    SObject {
        name: "Task",
        pickable: true,
        needed: &["Subject", "ActivityDate", "IsTask"],
        shown: &["Subject", "ActivityDate", "Status"],
    },
    SObject {
        name: "Event",
        pickable: false,
        needed: &[],
        shown: &["Subject", "ActivityDate", "Status"],
    },
];

/// The object named `name` (exactly), if the panel knows it.
pub fn sobject(name: &str) -> Option<&'static SObject> {
    SOBJECTS.iter().find(|o| o.name == name)
}

/// The names of the objects whose fields can be picked, in order.
pub fn pickable() -> impl Iterator<Item = &'static str> {
    SOBJECTS.iter().filter(|o| o.pickable).map(|o| o.name)
}

/// The fields a card of `object` shows before anyone picks some (an activity's for an
/// unknown object).
pub fn shown_fields(object: &str) -> &'static [&'static str] {
    sobject(object).map_or(&["Subject", "ActivityDate", "Status"], |o| o.shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_answers_what_the_old_lists_did() {
        assert_eq!(
            pickable().collect::<Vec<_>>(),
            ["Contact", "Lead", "Account", "Opportunity", "Case", "Task"]
        );
        assert_eq!(SOBJECTS.len(), 7);
        assert_eq!(sobject("Event").map(|o| o.pickable), Some(false));
        assert_eq!(sobject("contact"), None);
        assert_eq!(
            shown_fields("Lead"),
            ["Title", "Company", "Email", "Phone", "Status"]
        );
        assert_eq!(
            shown_fields("Whatever"),
            ["Subject", "ActivityDate", "Status"]
        );
        assert!(SOBJECTS.iter().all(|o| o.pickable != o.needed.is_empty()));
    }
}
