//! Date literals (`TODAY`, `LAST_N_DAYS:30`...) as ranges of days, relative to a given day.

use chrono::{Datelike, Duration, Months, NaiveDate};

/// The days `[start, end)` a date literal covers, seen from `today`; `None` for an unknown
/// literal.
pub fn literal_range(
    name: &str,
    n: Option<u32>,
    today: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    let day = |d: NaiveDate| (d, d + Duration::days(1));
    let days = |n: u32| Duration::days(i64::from(n));
    let week_start = today - Duration::days(i64::from(today.weekday().num_days_from_sunday()));
    let month_start = today.with_day(1)?;
    let quarter_start = NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1)?;
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1)?;
    let add_months = |d: NaiveDate, m: u32| d.checked_add_months(Months::new(m));
    let sub_months = |d: NaiveDate, m: u32| d.checked_sub_months(Months::new(m));
    Some(match (name, n) {
        ("YESTERDAY", None) => day(today - Duration::days(1)),
        ("TODAY", None) => day(today),
        ("TOMORROW", None) => day(today + Duration::days(1)),
        ("LAST_WEEK", None) => (week_start - Duration::days(7), week_start),
        ("THIS_WEEK", None) => (week_start, week_start + Duration::days(7)),
        ("NEXT_WEEK", None) => (
            week_start + Duration::days(7),
            week_start + Duration::days(14),
        ),
        ("LAST_MONTH", None) => (sub_months(month_start, 1)?, month_start),
        ("THIS_MONTH", None) => (month_start, add_months(month_start, 1)?),
        ("NEXT_MONTH", None) => (add_months(month_start, 1)?, add_months(month_start, 2)?),
        ("LAST_90_DAYS", None) => (today - Duration::days(90), today + Duration::days(1)),
        ("NEXT_90_DAYS", None) => (today + Duration::days(1), today + Duration::days(91)),
        ("THIS_QUARTER", None) => (quarter_start, add_months(quarter_start, 3)?),
        ("LAST_QUARTER", None) => (sub_months(quarter_start, 3)?, quarter_start),
        ("NEXT_QUARTER", None) => (add_months(quarter_start, 3)?, add_months(quarter_start, 6)?),
        ("THIS_YEAR", None) => (year_start, add_months(year_start, 12)?),
        ("LAST_YEAR", None) => (sub_months(year_start, 12)?, year_start),
        ("NEXT_YEAR", None) => (add_months(year_start, 12)?, add_months(year_start, 24)?),
        ("LAST_N_DAYS", Some(n)) => (today - days(n), today + Duration::days(1)),
        ("NEXT_N_DAYS", Some(n)) => (
            today + Duration::days(1),
            today + days(n) + Duration::days(1),
        ),
        ("N_DAYS_AGO", Some(n)) => day(today - days(n)),
        ("LAST_N_WEEKS", Some(n)) => (week_start - days(7 * n), week_start),
        ("NEXT_N_WEEKS", Some(n)) => (
            week_start + Duration::days(7),
            week_start + days(7 * (n + 1)),
        ),
        ("N_WEEKS_AGO", Some(n)) => (
            week_start - days(7 * n),
            week_start - days(7 * n) + Duration::days(7),
        ),
        ("LAST_N_MONTHS", Some(n)) => (sub_months(month_start, n)?, month_start),
        ("NEXT_N_MONTHS", Some(n)) => {
            (add_months(month_start, 1)?, add_months(month_start, n + 1)?)
        }
        ("N_MONTHS_AGO", Some(n)) => (
            sub_months(month_start, n)?,
            add_months(sub_months(month_start, n)?, 1)?,
        ),
        ("LAST_N_QUARTERS", Some(n)) => (sub_months(quarter_start, 3 * n)?, quarter_start),
        ("NEXT_N_QUARTERS", Some(n)) => (
            add_months(quarter_start, 3)?,
            add_months(quarter_start, 3 * (n + 1))?,
        ),
        ("LAST_N_YEARS", Some(n)) => (sub_months(year_start, 12 * n)?, year_start),
        ("NEXT_N_YEARS", Some(n)) => (
            add_months(year_start, 12)?,
            add_months(year_start, 12 * (n + 1))?,
        ),
        ("N_YEARS_AGO", Some(n)) => (
            sub_months(year_start, 12 * n)?,
            add_months(sub_months(year_start, 12 * n)?, 12)?,
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ranges_seen_from_a_wednesday() {
        let today = d("2026-11-25");
        let cases = [
            ("TODAY", None, "2026-11-25", "2026-11-26"),
            ("YESTERDAY", None, "2026-11-24", "2026-11-25"),
            ("THIS_WEEK", None, "2026-11-22", "2026-11-29"),
            ("LAST_WEEK", None, "2026-11-15", "2026-11-22"),
            ("THIS_MONTH", None, "2026-11-01", "2026-12-01"),
            ("NEXT_MONTH", None, "2026-12-01", "2027-01-01"),
            ("THIS_QUARTER", None, "2026-10-01", "2027-01-01"),
            ("LAST_YEAR", None, "2025-01-01", "2026-01-01"),
            ("LAST_N_DAYS", Some(30), "2026-10-26", "2026-11-26"),
            ("NEXT_N_DAYS", Some(7), "2026-11-26", "2026-12-03"),
            ("N_DAYS_AGO", Some(3), "2026-11-22", "2026-11-23"),
            ("LAST_N_MONTHS", Some(2), "2026-09-01", "2026-11-01"),
        ];
        for (name, n, start, end) in cases {
            assert_eq!(
                literal_range(name, n, today),
                Some((d(start), d(end))),
                "{name}"
            );
        }
        assert_eq!(literal_range("SOMEDAY", None, today), None);
        assert_eq!(literal_range("TODAY", Some(1), today), None);
    }
}
