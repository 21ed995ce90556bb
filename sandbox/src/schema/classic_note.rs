//! The classic Note (key prefix 002): the notes of orgs without enhanced notes, and the older
//! ones of orgs with them. A note is text on one record, its `ParentId`; the record's `Notes`
//! child relationship lists them (the recorded Account, Contact, Lead and Opportunity describes
//! list it, `{"childSObject": "Note", "field": "ParentId", "relationshipName": "Notes"}`).
//!
//! Fields as the Object Reference lists them (Note,
//! https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_note.htm,
//! and the field reference
//! https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-note.html):
//! Title string(80), "Create, Filter, Group, Sort, Update" (not nillable: required); Body
//! textarea "Limited to 32 KB" (32000), nillable; IsPrivate, defaulted on create; OwnerId
//! (User), defaulted on create; ParentId "Required. ID of the object associated with the
//! note", polymorphic, "Create, Filter, Group, Sort" (set on create only); the audit fields.

use serde_json::json;

use super::ObjectDef;
use super::notes::NOTE_PARENTS;
use super::synthetic::{synthetic, system_fields};
use super::templates::{Templates, field_like};
use crate::SandboxError;

/// The longest Title a classic note keeps.
pub const NOTE_TITLE_LENGTH: u32 = 80;

/// The longest Body ("Limited to 32 KB": textarea(32000) in the field reference).
pub const NOTE_BODY_LENGTH: u32 = 32_000;

/// Note, shaped `like` a recorded object (Event: its IsDeleted, OwnerId and audit fields).
pub(super) fn classic_note(like: &ObjectDef, t: &Templates) -> Result<ObjectDef, SandboxError> {
    let flags = json!({"createable": true, "updateable": true, "deletable": true, "queryable": true, "searchable": true});
    let mut note = synthetic("Note", Some("002"), "Note", "Notes", like, flags);
    note.add_field(field_like(
        &t.id,
        json!({"name": "Id", "label": "Note ID"}),
    )?);
    if let Some(deleted) = like.field("IsDeleted") {
        note.add_field(deleted.clone());
    }
    note.add_field(field_like(
        &t.reference,
        json!({"name": "ParentId", "label": "Parent ID", "referenceTo": NOTE_PARENTS, "relationshipName": "Parent", "polymorphicForeignKey": true, "nillable": false, "createable": true, "updateable": false, "defaultedOnCreate": false}),
    )?);
    note.add_field(field_like(
        &t.string,
        json!({"name": "Title", "label": "Title", "length": NOTE_TITLE_LENGTH, "byteLength": NOTE_TITLE_LENGTH * 3, "nillable": false, "nameField": true, "createable": true, "updateable": true, "defaultedOnCreate": false}),
    )?);
    note.add_field(field_like(
        &t.boolean,
        json!({"name": "IsPrivate", "label": "Private", "createable": true, "updateable": true, "defaultedOnCreate": true, "defaultValue": false}),
    )?);
    note.add_field(field_like(
        &t.textarea,
        json!({"name": "Body", "label": "Body", "length": NOTE_BODY_LENGTH, "byteLength": NOTE_BODY_LENGTH * 3, "nillable": true, "createable": true, "updateable": true}),
    )?);
    note.add_field(field_like(
        &t.reference,
        json!({"name": "OwnerId", "label": "Owner ID", "referenceTo": ["User"], "relationshipName": "Owner", "nillable": false, "createable": true, "updateable": true, "defaultedOnCreate": true}),
    )?);
    for f in system_fields(like) {
        note.add_field(f);
    }
    Ok(note)
}
