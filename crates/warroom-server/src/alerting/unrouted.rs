//! The alert groups no rule routed and nobody linked yet, in memory and bounded: what the
//! board's "Unrouted alerts" list (a commander's, under the annunciator) shows, to link one
//! to the incident. Resolved
//! groups leave it; past [`MAX_UNROUTED`] the group heard from longest ago is forgotten.
//! After a restart the list fills again from Alertmanager's next notifications (it repeats
//! every `group_interval` while a group changes and every `repeat_interval` otherwise).

use std::collections::HashMap;
use std::sync::Mutex;

use warroom_core::api::UnroutedAlertGroup;
use warroom_core::incident::{AlertGroupState, Timestamp};

use super::Caller;

/// The most unrouted groups the server holds.
pub const MAX_UNROUTED: usize = 100;

#[derive(Default)]
pub struct Unrouted {
    /// Each group's latest state and the integration that sent it.
    groups: Mutex<HashMap<String, (UnroutedAlertGroup, Caller)>>,
}

impl Unrouted {
    /// Keeps (or, resolved, forgets) a group's latest state.
    pub fn put(&self, state: AlertGroupState, at: Timestamp, from: &Caller) {
        let mut groups = self.groups.lock().expect("unrouted alerts poisoned");
        if !state.is_firing() {
            groups.remove(&state.key);
            return;
        }
        if !groups.contains_key(&state.key)
            && groups.len() >= MAX_UNROUTED
            && let Some(oldest) = groups
                .values()
                .min_by_key(|(g, _)| g.last_seen)
                .map(|(g, _)| g.group.key.clone())
        {
            groups.remove(&oldest);
        }
        groups.insert(
            state.key.clone(),
            (
                UnroutedAlertGroup {
                    group: state,
                    last_seen: at,
                },
                from.clone(),
            ),
        );
    }

    /// The group with this key, if it is unrouted, and who sent it.
    pub fn get(&self, key: &str) -> Option<(AlertGroupState, Caller)> {
        let groups = self.groups.lock().expect("unrouted alerts poisoned");
        groups
            .get(key)
            .map(|(g, from)| (g.group.clone(), from.clone()))
    }

    pub fn remove(&self, key: &str) {
        self.groups
            .lock()
            .expect("unrouted alerts poisoned")
            .remove(key);
    }

    /// Every unrouted group, most recently heard from first.
    pub fn list(&self) -> Vec<UnroutedAlertGroup> {
        let groups = self.groups.lock().expect("unrouted alerts poisoned");
        let mut list: Vec<_> = groups.values().map(|(g, _)| g.clone()).collect();
        list.sort_by(|a, b| {
            b.last_seen
                .cmp(&a.last_seen)
                .then(a.group.key.cmp(&b.group.key))
        });
        list
    }
}
