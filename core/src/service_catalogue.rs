//! The home-visit service catalogue: for each bookable service, its usual duration, its
//! price per hour, and whether the government programme pays for it.

use crate::carecircle::CareCircle;
use crate::error::{Error, Result};
use crate::facility::Service;
use crate::args;
use crate::db::{Sql, SqlExt};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceTerms {
    pub service: Service,
    pub duration_minutes: u32,
    /// In fen (0.01 yuan) per hour.
    pub price_fen_per_hour: u32,
    pub government_paid: bool,
}

pub(crate) fn terms_in(sql: &dyn Sql, service: Service) -> Result<ServiceTerms> {
    let r = sql
        .one("SELECT duration_minutes, price_fen_per_hour, government_paid FROM service_terms WHERE service = ?1", args![service.code()])?
        .ok_or_else(|| Error::invalid("service", format!("{} is not offered as a home visit", service.code())))?;
    Ok(ServiceTerms { service, duration_minutes: r.get(0)?, price_fen_per_hour: r.get(1)?, government_paid: r.get(2)? })
}

impl CareCircle {
    pub fn service_terms(&self) -> Result<Vec<ServiceTerms>> {
        self.store.read(|sql| {
            Service::ALL
                .iter()
                .filter_map(|s| match terms_in(sql, *s) {
                    Ok(t) => Some(Ok(t)),
                    Err(Error::InvalidInput { .. }) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect()
        })
    }

    /// Adds or changes the terms of a service (a district operator's task).
    pub fn set_service_terms(&self, t: &ServiceTerms) -> Result<()> {
        if !(15..=12 * 60).contains(&t.duration_minutes) {
            return Err(Error::invalid("duration", "must be 15 minutes to 12 hours"));
        }
        if t.price_fen_per_hour > 10_000_00 {
            return Err(Error::invalid("price", "more than 10,000 yuan an hour"));
        }
        self.store.write(|sql| {
            sql.execute(
                "INSERT INTO service_terms (service, duration_minutes, price_fen_per_hour, government_paid) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(service) DO UPDATE SET duration_minutes = excluded.duration_minutes,
                   price_fen_per_hour = excluded.price_fen_per_hour, government_paid = excluded.government_paid",
                args![t.service.code(), t.duration_minutes, t.price_fen_per_hour, t.government_paid],
            )?;
            crate::sync::log_changes(self, sql, vec![crate::sync::Change::public("service_terms", t.service.code())])
        })?;
        Ok(())
    }
}
