//! Settings: the agent's own link (who they are, unlink); for admins, the integration toggle,
//! the integration user rules act as, the org's rule webhooks, default and extra mandatory
//! fields per object, and today's API usage.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{FieldsByObject, OrgSettings, RuleJob, Usage};
use pane_wire::objects::pickable;

use super::describes::use_describes;
use super::state::use_records_state;
use super::view::{View, use_view_context};
use crate::api::{endpoints, use_api};
use crate::identity::use_identity;
use crate::session::use_session;

fn fields_text(map: &FieldsByObject, object: &str) -> String {
    map.get(object).map(|f| f.join(", ")).unwrap_or_default()
}

fn parse_fields(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Per pickable object, an editable comma-separated list of `fields`' API names.
fn per_object(fields: &FieldsByObject) -> Vec<(String, RwSignal<String>)> {
    pickable()
        .map(|o| (o.to_owned(), RwSignal::new(fields_text(fields, o))))
        .collect()
}

/// An input per object of `rows`, its id and test id `{prefix}-{object}`.
#[component]
fn PerObjectInputs(prefix: &'static str, rows: Vec<(String, RwSignal<String>)>) -> impl IntoView {
    rows.into_iter()
        .map(|(o, v)| {
            let id = format!("{prefix}-{o}");
            view! {
                <div class="form-field">
                    <label for=id.clone()>{o}</label>
                    <input id=id.clone() class="input" data-testid=id prop:value=move || v.get()
                        on:input=move |ev| v.set(event_target_value(&ev)) />
                </div>
            }
        })
        .collect_view()
}

/// The settings view.
#[component]
pub fn SettingsView() -> impl IntoView {
    let (identity, api, session) = (use_identity(), use_api(), use_session());
    let (describes, records) = (use_describes(), use_records_state());
    let view_ctx = use_view_context();
    let bridge = StoredValue::new_local(crate::bridge::use_bridge());
    let linker = crate::link::use_linker();
    let usage = RwSignal::new(None::<Usage>);
    let jobs = RwSignal::new(Vec::<RuleJob>::new());
    let integration = RwSignal::new(None::<String>);
    // Why rule work waits for an admin (the integration link was refused), if it does.
    let integration_problem = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let is_admin = move || identity.me.with(|m| m.as_ref().is_some_and(|m| m.is_admin));
    let load = move || {
        spawn_local(async move {
            if let Ok(u) = endpoints::usage(api).await {
                usage.set(Some(u));
            }
            if !identity
                .me
                .with_untracked(|m| m.as_ref().is_some_and(|m| m.is_admin))
            {
                return;
            }
            if let Ok(v) = endpoints::integration(api).await {
                integration.set(v.username);
                integration_problem.set(v.problem);
            }
            if let Ok(v) = endpoints::rule_jobs(api).await {
                jobs.set(v.jobs);
            }
        });
    };
    load();
    // An integration link just came back from its popup.
    Effect::new(move |_| {
        if let Some(name) = session.integration_linked().get() {
            integration.set(Some(name));
        }
    });
    let org = identity
        .settings
        .with_untracked(|s| s.as_ref().map(|s| s.org.clone()).unwrap_or_default());
    let enabled = RwSignal::new(org.enabled);
    let share = RwSignal::new(org.api_share_percent.to_string());
    let never_log = RwSignal::new(org.never_log.join(", "));
    let defaults = per_object(&org.default_fields);
    let mandatory = per_object(&org.mandatory_fields);
    let (defaults_save, mandatory_save) = (defaults.clone(), mandatory.clone());
    let save = Callback::new(move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let collect = |rows: &[(String, RwSignal<String>)]| -> FieldsByObject {
            rows.iter()
                .map(|(o, v)| (o.clone(), parse_fields(&v.get_untracked())))
                .filter(|(_, f)| !f.is_empty())
                .collect()
        };
        let body = OrgSettings {
            enabled: enabled.get_untracked(),
            default_fields: collect(&defaults_save),
            mandatory_fields: collect(&mandatory_save),
            api_share_percent: share.get_untracked().trim().parse().unwrap_or(50),
            never_log: parse_fields(&never_log.get_untracked()),
        };
        spawn_local(async move {
            match endpoints::save_org_settings(api, &body).await {
                Ok(saved) => {
                    identity.amend(|s| s.org = saved);
                    describes.forget();
                    records.changed();
                    status.set(Some("Settings saved.".into()));
                }
                Err(err) => status.set(Some(err.to_string())),
            }
        });
    });
    let unlink = move |_| {
        spawn_local(async move {
            let _ = endpoints::unlink(api).await;
            session.forget();
            view_ctx.0.set(View::Records);
        });
    };
    let unlink_integration = Callback::new(move |()| {
        spawn_local(async move {
            match endpoints::unlink_integration(api).await {
                Ok(_) => integration.set(None),
                Err(err) => status.set(Some(err.to_string())),
            }
        });
    });
    view! {
        <section class="settings" data-testid="settings">
            <h2>"Your Salesforce link"</h2>
            {move || identity.me.get().map(|m| view! {
                <p data-testid="linked-user">{format!("Linked as {} (org {})", m.username, m.org_id)}</p>
            }.into_any())}
            <div class="settings-actions"><button type="button" class="button secondary" data-testid="unlink" on:click=unlink>"Unlink Salesforce"</button></div>
            {move || usage.get().map(|u| view! {
                <h2>"API usage today"</h2>
                <p data-testid="usage">{format!(
                    "{} requests by Salesforce Pane today; {}; budget: {}.",
                    u.requests_today,
                    match (u.org_used, u.org_max) {
                        (Some(used), Some(max)) => format!("the org used {used} of {max}"),
                        _ => "the org's allowance is not known yet".to_owned(),
                    },
                    match u.budget {
                        pane_wire::api::Budget::Normal => "normal",
                        pane_wire::api::Budget::RulesPaused => "rules paused until the reset",
                        pane_wire::api::Budget::CacheOnly => "last reserve, records from cache only",
                    }
                )}</p>
            }.into_any())}
            <Show when=is_admin fallback=|| view! { <p class="hint" data-testid="not-admin">"Only admins change the org's settings."</p> }>
                <form class="record-form" data-testid="org-settings" on:submit=move |ev| save.run(ev)>
                    <h2>"Org settings"</h2>
                    <label class="choice">
                        <input type="checkbox" data-testid="integration-enabled" prop:checked=move || enabled.get()
                            on:change=move |ev| enabled.set(event_target_checked(&ev)) />
                        "The Salesforce integration is on"
                    </label>
                    <div class="form-field">
                        <label for="share">"Share of the org's daily API allowance (%)"</label>
                        <input id="share" class="input" inputmode="numeric" data-testid="api-share" prop:value=move || share.get()
                            on:input=move |ev| share.set(event_target_value(&ev)) />
                    </div>
                    <div class="form-field">
                        <label for="never-log">"Never log messages with (domains or addresses, comma-separated)"</label>
                        <input id="never-log" class="input" data-testid="never-log" prop:value=move || never_log.get()
                            on:input=move |ev| never_log.set(event_target_value(&ev)) />
                    </div>
                    <div class="integration" data-testid="integration">
                        <p>{move || match integration.get() {
                            Some(u) => format!("Rules act as {u}."),
                            None => "No integration user: rules cannot run yet.".to_owned(),
                        }}</p>
                        {move || integration_problem.get().map(|p| view! {
                            <p class="error" data-testid="integration-problem">{p}</p>
                        }.into_any())}
                        <button type="button" class="button small" data-testid="link-integration"
                            on:click=move |_| {
                                linker.link("integration", bridge.get_value());
                                // The popup cannot tell the panel: look again while it is open,
                                // until a link holds (a refused one's problem gone: its jobs ran).
                                spawn_local(async move {
                                    for _ in 0..60 {
                                        gloo_timers::future::TimeoutFuture::new(2_000).await;
                                        let Ok(v) = endpoints::integration(api).await else {
                                            continue;
                                        };
                                        let held = v.problem.is_none();
                                        integration_problem.set(v.problem);
                                        if let Some(name) = v.username
                                            && held
                                        {
                                            integration.set(Some(name));
                                            load();
                                            return;
                                        }
                                    }
                                });
                            }>"Link the integration user"</button>
                        <Show when=move || integration.get().is_some()>
                            <button type="button" class="button small secondary" data-testid="unlink-integration" on:click=move |_| unlink_integration.run(())>"Unlink"</button>
                        </Show>
                    </div>
                    <h3>"Default fields (API names, comma-separated)"</h3>
                    <PerObjectInputs prefix="default" rows=defaults.clone() />
                    <h3>"Extra mandatory fields"</h3>
                    <PerObjectInputs prefix="mandatory" rows=mandatory.clone() />
                    <div class="form-actions">
                        <button type="submit" class="button" data-testid="save-settings">"Save settings"</button>
                    </div>
                </form>
            </Show>
            <Show when=is_admin>
                <super::rule_intake::RuleIntakeView />
                <RuleJobs jobs=jobs reload=Callback::new(move |()| load()) />
            </Show>
            {move || status.get().map(|s| view! { <p class="hint" role="status" data-testid="settings-status">{s}</p> }.into_any())}
        </section>
    }
}

fn outcome_text(job: &RuleJob) -> String {
    match job.outcome.as_str() {
        "logged" => "logged".to_owned(),
        "created" => "created".to_owned(),
        "no_match" => "skipped: no match".to_owned(),
        "existed" => "already existed".to_owned(),
        "skipped" => format!("skipped: {}", job.detail),
        "failed" => format!("failed: {}", job.detail),
        _ => format!("{} ({})", job.state, job.detail),
    }
}

/// Recent rule jobs: action, message, outcome, the record touched (opening it in
/// Salesforce), the requests it cost; failed ones can be retried.
#[component]
fn RuleJobs(jobs: RwSignal<Vec<RuleJob>>, reload: Callback<()>) -> impl IntoView {
    let api = use_api();
    view! {
        <section class="rule-jobs" data-testid="rule-jobs">
            <h2>"Rule activity"</h2>
            {move || {
                let list = jobs.get();
                if list.is_empty() {
                    return view! { <p class="hint">"No rule has run yet."</p> }.into_any();
                }
                view! {
                    <ul>
                        {list.into_iter().take(30).map(|job| {
                            let action = if job.action == "create_lead" { "Create lead" } else { "Send to Salesforce" };
                            let record = (!job.record_id.is_empty()).then(|| pane_wire::api::RecordView {
                                object: job.record_object.clone(),
                                id: job.record_id.clone(),
                                fields: serde_json::Map::new(),
                                notes: None,
                                notes_unavailable: false,
                            });
                            let id = job.id.clone();
                            let failed = job.state == "dead";
                            let requests = job.requests;
                            view! {
                                <li class="rule-job" data-testid="rule-job" data-outcome=job.outcome.clone() data-state=job.state.clone()>
                                    <span class="object-badge">{action}</span>
                                    <span>{format!(" {} · {} · {} request(s) ", job.message_id, outcome_text(&job), requests)}</span>
                                    {record.map(|r| view! { <super::records::RecordLink record=r testid="rule-record" /> })}
                                    {failed.then(|| view! {
                                        <button type="button" class="button small" data-testid="retry-job"
                                            on:click=move |_| {
                                                let id = id.clone();
                                                spawn_local(async move {
                                                    let _ = endpoints::retry_rule_job(api, &id).await;
                                                    reload.run(());
                                                });
                                            }>"Retry"</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <button type="button" class="button small secondary" data-testid="reload-jobs" on:click=move |_| reload.run(())>"Refresh"</button>
        </section>
    }
}
