//! Notes: ContentNote (the enhanced notes, stored as files of type SNOTE), ContentDocument (the
//! file a note is; describe only), ContentDocumentLink (a file shared with a record) and the
//! read-only AttachedContentNote view, with the `AttachedContentNotes` and
//! `ContentDocumentLinks` relationships of Account, Contact, Lead and Opportunity.
//!
//! Fields as the Object Reference lists them:
//! ContentNote https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentnote.htm,
//! ContentDocumentLink https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentdocumentlink.htm,
//! AttachedContentNote https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-attachedcontentnote.html.
//! A note's id is its ContentDocument's (prefix 069); links are 06A.

use serde_json::{Value, json};

use super::synthetic::{synthetic, system_fields};
use super::templates::{Templates, field_like, picklist};
use super::{ChildRelationship, FieldDef, ObjectDef};
use crate::SandboxError;

/// The objects a note may be linked to here, with a Notes related list.
pub const NOTE_PARENTS: &[&str] = &["Account", "Contact", "Lead", "Opportunity"];

fn read_only(template: &FieldDef, changes: Value) -> Result<FieldDef, SandboxError> {
    let mut f = field_like(template, changes)?;
    f.createable = false;
    f.updateable = false;
    if let Some(raw) = f.raw.as_object_mut() {
        raw.insert("createable".into(), Value::Bool(false));
        raw.insert("updateable".into(), Value::Bool(false));
    }
    Ok(f)
}

fn id_field(t: &Templates, label: &str) -> Result<FieldDef, SandboxError> {
    field_like(&t.id, json!({"name": "Id", "label": label}))
}

fn reference(
    t: &Templates,
    name: &str,
    label: &str,
    to: &[&str],
    relationship: &str,
) -> Result<FieldDef, SandboxError> {
    read_only(
        &t.reference,
        json!({"name": name, "label": label, "referenceTo": to, "relationshipName": relationship, "nillable": true}),
    )
}

/// The fields a note shows, read-only (ContentNote's derived ones, AttachedContentNote's all).
fn note_derived(t: &Templates) -> Result<Vec<FieldDef>, SandboxError> {
    Ok(vec![
        read_only(
            &t.string,
            json!({"name": "TextPreview", "label": "Text Preview", "length": 255, "nillable": true}),
        )?,
        read_only(
            &t.string,
            json!({"name": "FileType", "label": "File Type", "length": 20, "nillable": true}),
        )?,
        read_only(
            &t.string,
            json!({"name": "FileExtension", "label": "File Extension", "length": 40, "nillable": true}),
        )?,
        read_only(
            &t.int,
            json!({"name": "ContentSize", "label": "Size", "nillable": true}),
        )?,
    ])
}

/// A document's latest version, owner and system fields.
fn document_refs(t: &Templates, like: &ObjectDef) -> Result<Vec<FieldDef>, SandboxError> {
    let mut fields = vec![
        reference(
            t,
            "LatestPublishedVersionId",
            "Latest Published Version ID",
            &["ContentVersion"],
            "LatestPublishedVersion",
        )?,
        reference(t, "OwnerId", "Owner ID", &["User"], "Owner")?,
    ];
    fields.extend(system_fields(like));
    Ok(fields)
}

/// ContentNote: Title (required, the name field) and Content (base64) are the only fields a
/// create or update sets ("Only the Content and Title fields can be updated").
pub(super) fn content_note(like: &ObjectDef, t: &Templates) -> Result<ObjectDef, SandboxError> {
    let flags = json!({"createable": true, "updateable": true, "deletable": true, "queryable": true, "searchable": true});
    let mut note = synthetic("ContentNote", Some("069"), "Note", "Notes", like, flags);
    note.add_field(id_field(t, "ContentNote ID")?);
    note.add_field(field_like(
        &t.string,
        json!({"name": "Title", "label": "Title", "length": 255, "nillable": false, "nameField": true, "createable": true, "updateable": true, "defaultedOnCreate": false}),
    )?);
    note.add_field(field_like(
        &t.textarea,
        json!({"name": "Content", "label": "Content", "type": "base64", "soapType": "xsd:base64Binary", "length": 0, "nillable": true, "createable": true, "updateable": true, "sortable": false, "filterable": false, "groupable": false}),
    )?);
    for f in note_derived(t)? {
        note.add_field(f);
    }
    note.add_field(read_only(
        &t.boolean,
        json!({"name": "IsReadOnly", "label": "Is Read Only"}),
    )?);
    for f in document_refs(t, like)? {
        note.add_field(f);
    }
    Ok(note)
}

/// ContentDocument, described (its records are the notes, read through ContentNote).
pub(super) fn content_document(like: &ObjectDef, t: &Templates) -> Result<ObjectDef, SandboxError> {
    let flags = json!({"createable": false, "updateable": true, "deletable": true, "queryable": true, "searchable": true});
    let mut doc = synthetic(
        "ContentDocument",
        Some("069"),
        "Content Document",
        "Content Documents",
        like,
        flags,
    );
    doc.add_field(id_field(t, "ContentDocument ID")?);
    doc.add_field(field_like(
        &t.string,
        json!({"name": "Title", "label": "Title", "length": 255, "nillable": false, "nameField": true, "createable": false, "updateable": true}),
    )?);
    for f in note_derived(t)?
        .into_iter()
        .filter(|f| f.name != "TextPreview")
    {
        doc.add_field(f);
    }
    for f in document_refs(t, like)? {
        doc.add_field(f);
    }
    Ok(doc)
}

/// ContentDocumentLink: ContentDocumentId and LinkedEntityId set on create only, ShareType
/// (V Viewer, C Collaborator, I Inferred) required, Visibility defaulted.
pub(super) fn content_document_link(
    like: &ObjectDef,
    t: &Templates,
) -> Result<ObjectDef, SandboxError> {
    let flags = json!({"createable": true, "updateable": true, "deletable": true, "queryable": true, "searchable": false});
    let mut link = synthetic(
        "ContentDocumentLink",
        Some("06A"),
        "Content Document Link",
        "Content Document Links",
        like,
        flags,
    );
    link.add_field(id_field(t, "ContentDocumentLink ID")?);
    let mut parents = vec!["User"];
    parents.extend_from_slice(NOTE_PARENTS);
    for (name, label, to, rel) in [
        (
            "ContentDocumentId",
            "ContentDocument ID",
            vec!["ContentDocument"],
            "ContentDocument",
        ),
        (
            "LinkedEntityId",
            "Linked Entity ID",
            parents,
            "LinkedEntity",
        ),
    ] {
        link.add_field(field_like(
            &t.reference,
            json!({"name": name, "label": label, "referenceTo": to, "relationshipName": rel, "nillable": false, "createable": true, "updateable": false, "defaultedOnCreate": false}),
        )?);
    }
    link.add_field(field_like(
        &t.picklist,
        json!({"name": "ShareType", "label": "Share Type", "nillable": false, "createable": true, "updateable": true, "defaultedOnCreate": false, "restrictedPicklist": true, "picklistValues": picklist(&["V", "C", "I"], None)}),
    )?);
    link.add_field(field_like(
        &t.picklist,
        json!({"name": "Visibility", "label": "Visibility", "nillable": true, "createable": true, "updateable": true, "defaultedOnCreate": true, "restrictedPicklist": true, "picklistValues": picklist(&["AllUsers", "InternalUsers", "SharedUsers"], Some("AllUsers"))}),
    )?);
    for f in system_fields(like)
        .into_iter()
        .filter(|f| f.name == "SystemModstamp")
    {
        link.add_field(f);
    }
    Ok(link)
}

/// AttachedContentNote: the notes of a record, read through its `AttachedContentNotes`.
pub(super) fn attached_content_note(
    like: &ObjectDef,
    t: &Templates,
) -> Result<ObjectDef, SandboxError> {
    let flags = json!({"createable": false, "updateable": false, "deletable": false, "queryable": true, "searchable": false});
    let mut view = synthetic(
        "AttachedContentNote",
        None,
        "Attached Content Note",
        "Attached Content Notes",
        like,
        flags,
    );
    view.add_field(read_only(&t.id, json!({"name": "Id", "label": "Note Id"}))?);
    view.add_field(reference(
        t,
        "ContentDocumentId",
        "Content Document ID",
        &["ContentDocument"],
        "ContentDocument",
    )?);
    view.add_field(reference(
        t,
        "LinkedEntityId",
        "Parent ID",
        NOTE_PARENTS,
        "LinkedEntity",
    )?);
    view.add_field(read_only(
        &t.string,
        json!({"name": "Title", "label": "Title", "length": 255}),
    )?);
    for f in note_derived(t)? {
        view.add_field(f);
    }
    for f in system_fields(like) {
        view.add_field(read_only(&f, json!({}))?);
    }
    Ok(view)
}

/// Adds the `AttachedContentNotes` and `ContentDocumentLinks` relationships to the parents.
pub(super) fn relate(objects: &mut [ObjectDef]) {
    for o in objects
        .iter_mut()
        .filter(|o| NOTE_PARENTS.contains(&o.name.as_str()))
    {
        for (name, child) in [
            ("AttachedContentNotes", "AttachedContentNote"),
            ("ContentDocumentLinks", "ContentDocumentLink"),
        ] {
            if o.child(name).is_none() {
                o.children.push(ChildRelationship {
                    name: name.into(),
                    child: child.into(),
                    field: "LinkedEntityId".into(),
                });
            }
        }
    }
}
