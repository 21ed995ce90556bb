//! A field's type, typed: what the describe's `type` string names.

/// A field's type, as its describe's `type` names it (`FieldDef::kind`), for the types the
/// sandbox treats apart; every other type (`textarea`, `combobox`, `base64`...) is [`FieldType::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `string`.
    String,
    /// `boolean`: a checkbox, never null.
    Boolean,
    /// `int`.
    Int,
    /// `double`.
    Double,
    /// `currency`.
    Currency,
    /// `percent`.
    Percent,
    /// `date`: `YYYY-MM-DD`.
    Date,
    /// `datetime`.
    DateTime,
    /// `id`: the record's own id.
    Id,
    /// `reference`: another record's id.
    Reference,
    /// `email`.
    Email,
    /// `phone`.
    Phone,
    /// `url`.
    Url,
    /// `picklist`.
    Picklist,
    /// `address`: a compound of its parts.
    Address,
    /// Any other type.
    Other,
}

impl FieldType {
    /// The type a describe's `type` names.
    pub fn parse(kind: &str) -> FieldType {
        match kind {
            "string" => FieldType::String,
            "boolean" => FieldType::Boolean,
            "int" => FieldType::Int,
            "double" => FieldType::Double,
            "currency" => FieldType::Currency,
            "percent" => FieldType::Percent,
            "date" => FieldType::Date,
            "datetime" => FieldType::DateTime,
            "id" => FieldType::Id,
            "reference" => FieldType::Reference,
            "email" => FieldType::Email,
            "phone" => FieldType::Phone,
            "url" => FieldType::Url,
            "picklist" => FieldType::Picklist,
            "address" => FieldType::Address,
            _ => FieldType::Other,
        }
    }
}
