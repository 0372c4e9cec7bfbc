//! The `Date` header value (RFC 9110 §5.6.7 IMF-fixdate), formatted once a
//! second per I/O thread rather than once per response.

use std::time::{SystemTime, UNIX_EPOCH};

/// Length of "Sun, 06 Nov 1994 08:49:37 GMT".
pub const HTTP_DATE_LEN: usize = 29;

/// `now` as the `Date` header value (IMF-fixdate): the one formatter of it,
/// which the TypeScript layer also calls (through the binding) for the heads
/// it frames.
pub fn http_date(now: SystemTime) -> [u8; HTTP_DATE_LEN] {
  let secs = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
  let days = (secs / 86_400) as i64;
  let secs_of_day = secs % 86_400;
  let (year, month, day) = civil_from_days(days);
  // 1970-01-01 was a Thursday.
  let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
  let month_name = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ][(month - 1) as usize];
  let text = format!(
    "{weekday}, {day:02} {month_name} {year:04} {:02}:{:02}:{:02} GMT",
    secs_of_day / 3600,
    secs_of_day / 60 % 60,
    secs_of_day % 60
  );
  let mut out = [b' '; HTTP_DATE_LEN];
  out.copy_from_slice(&text.as_bytes()[..HTTP_DATE_LEN]);
  out
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), after Howard
/// Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
  let z = days + 719_468;
  let era = z.div_euclid(146_097);
  let doe = z.rem_euclid(146_097);
  let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  let mp = (5 * doy + 2) / 153;
  let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
  let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
  let year = yoe + era * 400 + i64::from(month <= 2);
  (year, month, day)
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::Duration;

  #[test]
  fn formats_imf_fixdate() {
    let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
    assert_eq!(&http_date(t), b"Sun, 06 Nov 1994 08:49:37 GMT");
    let leap = UNIX_EPOCH + Duration::from_secs(1_709_164_800); // 2024-02-29
    assert_eq!(&http_date(leap), b"Thu, 29 Feb 2024 00:00:00 GMT");
  }
}
