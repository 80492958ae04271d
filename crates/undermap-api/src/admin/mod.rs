//! Administration: accounts, keys and the audit trail; and who the caller is (`/v1/me`).

mod handlers;
pub(crate) mod openapi;

routes! {
    get "/v1/admin/accounts" => handlers::accounts,
    post "/v1/admin/accounts" => handlers::add_account,
    post "/v1/admin/accounts/{name}/disable" => handlers::disable,
    post "/v1/admin/accounts/{name}/enable" => handlers::enable,
    post "/v1/admin/accounts/{name}/keys" => handlers::create_key,
    get "/v1/admin/keys" => handlers::keys,
    post "/v1/admin/keys/{id}/revoke" => handlers::revoke,
    get "/v1/admin/audit" => handlers::audit,
    get "/v1/admin/audit/verify" => handlers::verify_chain,
    get "/v1/me" => handlers::me,
}
