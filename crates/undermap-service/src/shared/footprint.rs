//! The ground an answer shows, for roles with a daily area budget: the API spends the budget on
//! it before the answer is made (`Caller::spend`). Views without a budget get `None` at no cost.

use undermap_core::View;

/// `[min_x, min_y, max_x, max_y]` in the deployment CRS, metres.
pub type Footprint = [f64; 4];

pub(crate) fn budgeted(view: &View) -> bool {
    view.bounds().is_some_and(|b| b.daily_area_m2.is_some())
}

pub(crate) fn corners(r: geo::Rect<f64>) -> Footprint {
    [r.min().x, r.min().y, r.max().x, r.max().y]
}
