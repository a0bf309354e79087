//! Where Alertmanager's groups go (`alert_routes`, migration 6): group key → incident.

use warroom_core::{IncidentId, TextId};

use super::PostgresStore;
use crate::store::StoreError;

pub(super) async fn route(
    store: &PostgresStore,
    key: &str,
) -> Result<Option<IncidentId>, StoreError> {
    let rows = store
        .rows(
            "SELECT incident FROM alert_routes WHERE group_key = $1",
            &[&key],
        )
        .await?;
    rows.first()
        .map(|row| {
            IncidentId::parse(row.try_get::<_, &str>(0)?)
                .map_err(|e| StoreError::Corrupt(format!("a stored alert route is bad: {e}")))
        })
        .transpose()
}

pub(super) async fn set_route(
    store: &PostgresStore,
    key: &str,
    incident: &IncidentId,
) -> Result<(), StoreError> {
    store
        .rows(
            "INSERT INTO alert_routes (group_key, incident) VALUES ($1, $2) \
             ON CONFLICT (group_key) DO UPDATE SET incident = excluded.incident RETURNING 1",
            &[&key, &incident.as_str()],
        )
        .await?;
    Ok(())
}
