//! `/trends` (a server-side SVG line chart of matches per week or month, one line per
//! comma-separated query) and `/trends.csv` (the same numbers).
//!
//! This file owns these two handlers and the page's template struct; the chart's layout is
//! [`crate::web::trends_chart`]'s job, the counting [`crate::search::trends`]'. Chart labels are
//! escaped by the template.

use std::sync::Arc;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use super::params::Params;
use super::slots::with_index;
use crate::search::trends::{self, Period, Trend};
use crate::search::{Sort, query};
use crate::web::error::WebError;
use crate::web::state::AppState;
use crate::web::templates::Layout;
use crate::web::trends_chart::Chart;

/// `/trends`.
#[derive(Template)]
#[template(path = "trends.html")]
pub struct TrendsPage {
    /// Frame.
    pub layout: Layout,
    /// The comma-separated queries.
    pub q: String,
    /// True for weekly periods.
    pub weekly: bool,
    /// The `from` field.
    pub from: String,
    /// The `to` field.
    pub to: String,
    /// The chart, once there is something to draw.
    pub chart: Option<Chart>,
    /// Same numbers as CSV.
    pub csv_href: String,
}

async fn run_trend(state: &AppState, p: &Params) -> Result<Option<Trend>, WebError> {
    let series = trends::split_series(&p.q);
    if series.is_empty() {
        return Ok(None);
    }
    for s in &series {
        query::parse(s).map_err(|e| WebError::BadRequest(format!("„{s}“: {e}")))?;
    }
    let base = Params {
        q: String::new(),
        ..p.clone()
    }
    .query(Sort::Date)?;
    let period = p.by;
    let trend = with_index(state, move |i| trends::trend(i, &series, &base, period)).await?;
    Ok(Some(trend))
}

/// `/trends`: the form, and the chart once a query is given.
pub async fn trends_page(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Html<String>, WebError> {
    let p = Params::parse(raw.as_deref())?;
    let trend = run_trend(&state, &p).await?;
    let template = TrendsPage {
        layout: Layout::new(&state.site_title, "Trends", None),
        q: p.q.clone(),
        weekly: p.by == Period::Week,
        from: p.from.map(|d| d.to_string()).unwrap_or_default(),
        to: p.to.map(|d| d.to_string()).unwrap_or_default(),
        chart: trend.as_ref().map(Chart::new),
        csv_href: p.link().trend_href("/trends.csv", p.by.as_str()),
    };
    Ok(Html(template.render()?))
}

/// `/trends.csv`: one row per period, one column per query (byte order mark, `sep`).
pub async fn trends_csv(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let p = Params::parse(raw.as_deref())?;
    let trend = run_trend(&state, &p).await?;
    let style = p.csv_style();
    let mut out = crate::search::export::BOM.to_string();
    if let Some(t) = trend {
        let mut header = vec!["period".to_string()];
        header.extend(t.series.iter().map(|s| s.label.clone()));
        out.push_str(&style.line(header.iter().map(String::as_str)));
        for (i, start) in t.periods.iter().enumerate() {
            let mut row = vec![t.period.label(*start)];
            row.extend(t.series.iter().map(|s| s.counts[i].to_string()));
            out.push_str(&style.line(row.iter().map(String::as_str)));
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"govwire-trends.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}
