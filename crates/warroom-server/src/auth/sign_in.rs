//! Issuing and ending sessions: signing in under a display name (`open`), with the identity
//! provider (`oidc`), opening an observer link, signing out. Every session is stored (only as
//! its credential's SHA-256) before its cookie is handed out, and every outcome is logged with
//! the client's address, never with a credential.

use std::net::IpAddr;

use warroom_core::api::AuthMode;
use warroom_core::{IncidentId, LinkId, ParticipantId};

use super::{Auth, OBSERVER, ProviderSignIn, SignInError, Viewer, oidc, session};
use crate::store::{SessionRecord, StoreError};
use crate::telemetry::{self, Limit};

impl Auth {
    /// Issues an observer session for link `link` of `incident`, lasting until `until` (unix
    /// seconds): the credential for the observer cookie.
    pub async fn observe(
        &self,
        incident: &IncidentId,
        link: LinkId,
        until: u64,
        peer: IpAddr,
    ) -> Result<String, SignInError> {
        // Every opening is a stored session: bounded like sign-ins.
        if !self.sign_ins.take(&peer, self.clock.instant()) {
            tracing::warn!(%peer, "observer link refused: too many from this address");
            telemetry::rate_limited(Limit::SignIn);
            return Err(SignInError::TooMany);
        }
        let token = session::new_token();
        let participant = session::new_observer();
        self.store
            .create_session(SessionRecord {
                token_hash: session::hash_token(&token),
                participant: participant.clone(),
                name: "Observer".into(),
                method: OBSERVER.into(),
                subject: format!("{incident}/{link}"),
                email: None,
                expires_at: until
                    .min(self.clock.unix_secs() + self.config.session_lifetime.as_secs()),
            })
            .await?;
        tracing::info!(%incident, link = link.0, %participant, %peer, "observer link opened");
        Ok(token)
    }

    /// `open` mode: signs a person in under `name`, or renames the viewer who already has a
    /// session. Returns the viewer and, for a new session, the credential for its cookie.
    pub async fn sign_in_open(
        &self,
        current: Option<Viewer>,
        name: &str,
        join_code: Option<&str>,
        peer: IpAddr,
    ) -> Result<(Viewer, Option<String>), SignInError> {
        match self.config.mode {
            AuthMode::Open => {}
            AuthMode::Proxy => return Err(SignInError::WrongMode("its proxy")),
            AuthMode::Oidc => {
                return Err(SignInError::WrongMode(
                    "the organisation's identity provider",
                ));
            }
        }
        let name = warroom_core::display_name(name).map_err(SignInError::BadName)?;
        if let Some(mut viewer) = current.filter(|v| !v.observer_only) {
            self.store.rename(&viewer.participant, &name).await?;
            tracing::info!(participant = %viewer.participant, %peer, "renamed");
            viewer.name = name;
            return Ok((viewer, None));
        }
        if !self.sign_ins.take(&peer, self.clock.instant()) {
            tracing::warn!(%peer, "sign-in refused: too many from this address");
            telemetry::rate_limited(Limit::SignIn);
            return Err(SignInError::TooMany);
        }
        if let Some(code) = &self.config.join_code
            && !constant_time_eq(code.as_bytes(), join_code.unwrap_or_default().as_bytes())
        {
            tracing::warn!(%peer, "sign-in refused: wrong join code");
            return Err(SignInError::JoinCode);
        }
        let participant = session::new_participant();
        let subject = participant.to_string();
        let (viewer, token) = self
            .new_session(participant, name, "open", subject, None)
            .await?;
        tracing::info!(participant = %viewer.participant, %peer, method = "open", "signed in");
        Ok((viewer, Some(token)))
    }

    /// `oidc` mode: starts a sign-in with the provider that comes back to `return_to` (any
    /// path; only a local one is kept). `browser` is the binding cookie the browser sent.
    pub async fn start_oidc(
        &self,
        return_to: Option<&str>,
        browser: Option<&str>,
        peer: IpAddr,
    ) -> Result<oidc::Started, SignInError> {
        let Some(oidc) = &self.oidc else {
            return Err(SignInError::NoProvider);
        };
        if !self.sign_ins.take(&peer, self.clock.instant()) {
            tracing::warn!(%peer, "sign-in refused: too many from this address");
            telemetry::rate_limited(Limit::SignIn);
            return Err(SignInError::TooMany);
        }
        oidc.start(oidc::return_path(return_to), browser)
            .await
            .inspect_err(|err| tracing::warn!(%peer, %err, "sign-in not started"))
            .map_err(SignInError::from)
    }

    /// `oidc` mode: completes a sign-in with the provider's answer, and issues a session to
    /// the person it vouches for. Every outcome is logged, with the subject once known.
    pub async fn finish_oidc(
        &self,
        answer: &oidc::Callback,
        browser: Option<&str>,
        peer: IpAddr,
    ) -> ProviderSignIn {
        let Some(oidc) = &self.oidc else {
            return ProviderSignIn {
                return_to: "/".into(),
                result: Err(SignInError::NoProvider),
            };
        };
        let finished = oidc.finish(answer, browser).await;
        let result = match finished.result {
            Ok(identity) => {
                let participant = session::participant_of(
                    "oidc",
                    &format!("{}\n{}", identity.issuer, identity.subject),
                );
                match self
                    .new_session(
                        participant,
                        identity.name,
                        "oidc",
                        identity.subject.clone(),
                        identity.email,
                    )
                    .await
                {
                    Ok((viewer, token)) => {
                        tracing::info!(
                            participant = %viewer.participant,
                            subject = %identity.subject,
                            %peer,
                            method = "oidc",
                            "signed in"
                        );
                        Ok((viewer, token))
                    }
                    Err(err) => Err(SignInError::Store(err)),
                }
            }
            Err(err) => {
                tracing::warn!(
                    %peer,
                    subject = finished.subject.as_deref().unwrap_or("-"),
                    reason = %err,
                    "sign-in refused"
                );
                Err(SignInError::Provider(err))
            }
        };
        ProviderSignIn {
            return_to: finished.return_to,
            result,
        }
    }

    /// Stores a new session for `participant` and returns its viewer and credential.
    async fn new_session(
        &self,
        participant: ParticipantId,
        name: String,
        method: &str,
        subject: String,
        email: Option<String>,
    ) -> Result<(Viewer, String), StoreError> {
        let token = session::new_token();
        let admin = self.is_admin(&participant, &subject, email.as_deref());
        let record = SessionRecord {
            token_hash: session::hash_token(&token),
            participant: participant.clone(),
            name: name.clone(),
            method: method.into(),
            subject,
            email,
            expires_at: self.clock.unix_secs() + self.config.session_lifetime.as_secs(),
        };
        let hash = record.token_hash.clone();
        self.store.create_session(record).await?;
        let viewer = Viewer {
            admin,
            participant,
            name,
            session: Some(hash),
            observing: None,
            observer_only: false,
        };
        Ok((viewer, token))
    }

    /// Ends the viewer's session, if they have one.
    pub async fn sign_out(&self, viewer: &Viewer, peer: IpAddr) -> Result<(), StoreError> {
        // `peer` is the client's address (`client_ip`), as for sign-ins.
        if let Some(hash) = &viewer.session {
            self.store.delete_session(hash).await?;
            // Nobody listening is fine: no connection was opened with it.
            let _ = self.ended.send(hash.clone());
        }
        tracing::info!(participant = %viewer.participant, %peer, "signed out");
        Ok(())
    }
}

/// Compares without stopping at the first difference, so the time taken does not tell how
/// much of a guessed join code was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_codes_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
