//! Feedback on the archive's services: the questionnaire, giving feedback, and the report for
//! the archive's yearly report (JSON or CSV).

mod handlers;
pub(crate) mod openapi;

routes! {
    get "/v1/feedback/questions" => handlers::questions,
    post "/v1/feedback" => handlers::give,
    get "/v1/feedback/summary" => handlers::summary,
}
