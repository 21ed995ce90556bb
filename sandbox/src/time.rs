//! The clock and Salesforce's datetime text: pure functions over milliseconds since the epoch.

/// Salesforce's datetime format: `2024-01-02T03:04:05.000+0000`.
pub fn datetime(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Reads a datetime as Salesforce accepts it, in ms since the epoch.
pub fn parse_datetime(s: &str) -> Option<i64> {
    // Salesforce writes offsets without a colon (`+0000`); RFC 3339 wants one.
    let bytes = s.as_bytes();
    let fixed = match bytes.len().checked_sub(5) {
        Some(i)
            if matches!(bytes[i], b'+' | b'-') && bytes[i + 1..].iter().all(u8::is_ascii_digit) =>
        {
            // Only ASCII from `i` on: the slices are on character boundaries.
            format!("{}:{}", &s[..i + 3], &s[i + 3..])
        }
        _ => s.to_owned(),
    };
    chrono::DateTime::parse_from_rfc3339(&fixed)
        .ok()
        .map(|d| d.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_read_and_write_as_salesforce_does() {
        assert_eq!(
            parse_datetime("2024-01-02T03:04:05.000+0000"),
            Some(1_704_164_645_000)
        );
        assert_eq!(
            parse_datetime("2024-01-02T03:04:05Z"),
            Some(1_704_164_645_000)
        );
        assert_eq!(datetime(1_704_164_645_000), "2024-01-02T03:04:05.000+0000");
    }
}
