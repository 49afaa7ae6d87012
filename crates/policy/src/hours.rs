//! A campaign's local calling hours as its manager sets them: no limit, one
//! window for every number, or each number's country default.
//!
//! Stored as the campaign's `calling_window` JSON:
//! - `{}`: any time;
//! - a [`CallingWindow`] (`{"mon": ["09:00-17:00"], …, "blackout_dates": […]}`):
//!   the same local hours for every number;
//! - `{"country_defaults": true, "blackout_dates": ["2026-12-25"]}`: each
//!   number gets [`CallingWindow::default_for_number`], closed on the
//!   campaign's blackout dates too.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use herald_types::E164;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::window::{COUNTRIES_WITH_DEFAULTS, CallingWindow};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CampaignHours {
    Any,
    Window(CallingWindow),
    /// Each number's country default; `windows` holds one per country code
    /// with defaults of its own, then the fallback (code 0).
    CountryDefaults {
        windows: Vec<(u16, CallingWindow)>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountryDefaultsJson {
    country_defaults: bool,
    #[serde(default)]
    blackout_dates: BTreeSet<NaiveDate>,
}

impl CampaignHours {
    /// Reads a campaign's stored `calling_window`.
    pub fn from_campaign_json(value: &serde_json::Value) -> Result<CampaignHours> {
        if value.get("country_defaults").is_some() {
            let json: CountryDefaultsJson =
                serde_json::from_value(value.clone()).map_err(|error| Error::BadWindow(error.to_string()))?;
            if !json.country_defaults {
                return Err(Error::BadWindow(
                    "country_defaults must be true (leave it out to give hours of your own)".to_owned(),
                ));
            }
            let windows = COUNTRIES_WITH_DEFAULTS
                .iter()
                .chain(&[0])
                .map(|&code| {
                    let window =
                        CallingWindow::default_for_country(code).with_blackout_dates(json.blackout_dates.clone());
                    (code, window)
                })
                .collect();
            return Ok(CampaignHours::CountryDefaults { windows });
        }
        Ok(match CallingWindow::from_campaign_json(value)? {
            None => CampaignHours::Any,
            Some(window) => CampaignHours::Window(window),
        })
    }

    /// The window that applies to `number` (`None`: any time). A number
    /// that cannot be read gets the fallback default.
    pub fn window_for(&self, number: Option<&E164>) -> Option<&CallingWindow> {
        match self {
            CampaignHours::Any => None,
            CampaignHours::Window(window) => Some(window),
            CampaignHours::CountryDefaults { windows } => {
                let code = number.map_or(0, CallingWindow::country_code_with_defaults);
                windows.iter().find(|(known, _)| *known == code).or(windows.last()).map(|(_, window)| window)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;
    use serde_json::json;

    use super::*;

    fn number(text: &str) -> E164 {
        E164::parse(text).unwrap()
    }

    #[test]
    fn each_number_gets_its_countrys_hours_and_the_campaigns_holidays() {
        let hours =
            CampaignHours::from_campaign_json(&json!({"country_defaults": true, "blackout_dates": ["2026-12-24"]}))
                .unwrap();
        let paris = number("+33612345678");
        let berlin = number("+4930123456");
        // Monday 2026-11-23, 13:30 in Paris (12:30 UTC): France's lunch break.
        let at: DateTime<Utc> = "2026-11-23T12:30:00Z".parse().unwrap();
        let french = hours.window_for(Some(&paris)).unwrap();
        assert!(!french.is_open(&[Tz::Europe__Paris], at), "closed for lunch in France");
        assert!(hours.window_for(Some(&berlin)).unwrap().is_open(&[Tz::Europe__Berlin], at));
        assert_eq!(
            hours.window_for(Some(&paris)),
            Some(&CallingWindow::default_for_country(33).with_blackout_dates(["2026-12-24".parse().unwrap()]))
        );
        // The campaign's holiday closes every country.
        let christmas_eve: DateTime<Utc> = "2026-12-24T14:00:00Z".parse().unwrap();
        assert!(!hours.window_for(Some(&berlin)).unwrap().is_open(&[Tz::Europe__Berlin], christmas_eve));
        assert_eq!(hours.window_for(None), hours.window_for(Some(&berlin)), "unreadable numbers get the fallback");
    }

    #[test]
    fn stored_forms_are_read_or_refused() {
        assert_eq!(CampaignHours::from_campaign_json(&json!({})).unwrap(), CampaignHours::Any);
        assert!(matches!(
            CampaignHours::from_campaign_json(&json!({"mon": ["09:00-17:00"]})).unwrap(),
            CampaignHours::Window(_)
        ));
        assert!(CampaignHours::from_campaign_json(&json!({"country_defaults": false})).is_err());
        assert!(CampaignHours::from_campaign_json(&json!({"country_defaults": true, "mon": []})).is_err());
        assert!(
            CampaignHours::from_campaign_json(&json!({"country_defaults": true, "blackout_dates": ["soon"]})).is_err()
        );
    }
}
