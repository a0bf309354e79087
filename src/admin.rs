//! The admin's pages: integration tokens (`/admin/tokens`, `tokens.rs`) and outbound webhooks
//! (`/admin/webhooks`, `webhooks.rs`). The server decides who is an admin; anyone else is
//! told so.

mod tokens;
mod webhooks;

pub use tokens::TokensPage;
pub use webhooks::WebhooksPage;
