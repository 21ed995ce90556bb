//! The `AttachedContentNotes` of a record: its ContentDocumentLinks' notes, as the read-only
//! AttachedContentNote view answers them ("This read-only object contains all ContentNote
//! objects associated with an object", AttachedContentNote, Object Reference:
//! https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_attachedcontentnote.htm).

use serde_json::Value;

use crate::error::{ApiError, storage};
use crate::id::SfId;
use crate::org::Org;
use crate::store::Record;

/// The fields a row of the view takes from its note.
const FROM_NOTE: &[&str] = &[
    "Title",
    "TextPreview",
    "FileType",
    "FileExtension",
    "ContentSize",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
];

impl Org {
    /// The notes linked to `parent`, one row a link, as AttachedContentNote rows.
    pub(super) fn attached_notes(
        &self,
        parent: &Record,
        all: bool,
    ) -> Result<Vec<Record>, ApiError> {
        let links = self.keyed("ContentDocumentLink", &format!("ref:{}", parent.id), all)?;
        let mut rows = Vec::new();
        for link in links {
            if link.fields.get("LinkedEntityId").and_then(Value::as_str) != Some(parent.id.as_str())
            {
                continue;
            }
            let Some(id) = link
                .fields
                .get("ContentDocumentId")
                .and_then(Value::as_str)
                .and_then(|s| SfId::parse(s).ok())
            else {
                continue;
            };
            let Some(note) = self
                .store
                .get(&id)
                .map_err(storage)?
                .filter(|n| n.object == "ContentNote" && (all || !n.deleted))
            else {
                continue;
            };
            let mut fields = serde_json::Map::new();
            fields.insert("Id".into(), Value::String(note.id.to_string()));
            fields.insert(
                "ContentDocumentId".into(),
                Value::String(note.id.to_string()),
            );
            fields.insert(
                "LinkedEntityId".into(),
                Value::String(parent.id.to_string()),
            );
            for name in FROM_NOTE {
                fields.insert(
                    (*name).into(),
                    note.fields.get(*name).cloned().unwrap_or(Value::Null),
                );
            }
            rows.push(Record {
                id: note.id.clone(),
                object: "AttachedContentNote".into(),
                fields: fields.into(),
                deleted: note.deleted,
                modified_ms: note.modified_ms,
            });
        }
        Ok(rows)
    }
}
