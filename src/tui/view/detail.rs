//! The details of one domain, top to bottom: verdict, findings, timeline, certificates,
//! metadata fetch, Entra side. One scrolling column of lines.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::layout::Extent;
use super::{format, list, timeline};
use crate::assess::finding::Slot;
use crate::assess::sides::{self, AdfsRole};
use crate::assess::update_status::ReportedResult;
use crate::assess::{
    self, AdfsUse, EntraSide, EntraSource, IdpKind, PrimarySource, SuccessorSource,
};
use crate::cert::{CertInfo, Sha1};
use crate::checklist::{Checklist, Mode as Mode_};
use crate::domain::{DomainStatus, FetchState};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Mode;
use crate::tui::theme::Theme;
use crate::words;

const KEY_WIDTH: usize = 11;

fn block(beside_list: bool) -> Block<'static> {
    let borders = if beside_list {
        Borders::TOP | Borders::LEFT
    } else {
        Borders::TOP
    };
    Block::new().borders(borders)
}

/// The area inside the details' frame.
pub fn inner(area: Rect, beside_list: bool) -> Rect {
    block(beside_list).inner(area)
}

/// Draw the selected domain's details, scrolled as the app asks as far as they go; what was
/// shown.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    now: DateTime<Utc>,
    beside_list: bool,
) -> Extent {
    let theme = app.theme();
    let Some(status) = app.selected_status() else {
        frame.render_widget(
            Paragraph::new("no domain selected").block(block(beside_list)),
            area,
        );
        return Extent::default();
    };
    let severity = status.assessment.severity;
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled(severity.word(), theme.severity(severity)),
        Span::styled(format!(" {} ", status.config.name), theme.title()),
    ]);
    let mut block = block(beside_list).title(title);
    let inner = block.inner(area);
    let lines = lines(app, status, now, inner.width);
    let height = usize::from(inner.height);
    let extent = Extent::clamped(lines.len(), height, app.details_scroll());
    if lines.len() > height {
        // Where the window is, so the operator knows there is more below (or above).
        let first = extent.scroll + 1;
        let last = (extent.scroll + height).min(lines.len());
        let position = format!(" lines {first}–{last} of {} ", lines.len());
        block = block.title(Line::styled(position, theme.dim()).right_aligned());
    }
    let scroll = u16::try_from(extent.scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
    extent
}

/// Everything the details show for `status`, as lines `width` columns wide.
pub fn lines(
    app: &App,
    status: &DomainStatus,
    now: DateTime<Utc>,
    width: u16,
) -> Vec<Line<'static>> {
    let theme = app.theme();
    let mut out = Lines {
        text: Vec::new(),
        width: usize::from(width),
        theme,
    };
    summary(&mut out, status, now);
    // The findings name the steps of the checklist the operator would open now.
    let checklist = app.checklist_of(status, now);
    let open_key = app
        .keymap()
        .key_label(&Action::OpenChecklist, Mode::Details, app.ascii());
    findings(&mut out, status, &checklist, &open_key);
    three_sides(&mut out, status);
    out.heading("Timeline");
    out.text.extend(timeline::lines(status, now, width, theme));
    certificates(&mut out, status, now);
    history(&mut out, status, now);
    metadata(&mut out, status, now);
    entra(&mut out, status, now);
    // The domain's own tenant: its unwatched federated domains (U1).
    for tenant in app
        .tenants()
        .iter()
        .filter(|t| t.tenant.holds(&status.config))
    {
        if let Some(unwatched) = words::posture::unwatched(tenant) {
            out.field_styled(
                "tenant",
                &unwatched,
                out.theme.severity(crate::assess::Severity::Warning),
            );
        }
    }
    out.text
}

/// A growing list of lines with the helpers every section uses.
struct Lines {
    text: Vec<Line<'static>>,
    width: usize,
    theme: Theme,
}

impl Lines {
    fn blank(&mut self) {
        self.text.push(Line::raw(""));
    }

    fn heading(&mut self, text: &str) {
        self.blank();
        self.text
            .push(Line::styled(text.to_owned(), self.theme.heading()));
    }

    /// `key         value`, the value wrapped under itself.
    fn field(&mut self, key: &str, value: &str) {
        self.field_styled(key, value, Style::new());
    }

    fn field_styled(&mut self, key: &str, value: &str, style: Style) {
        let styles = (self.theme.dim(), style);
        self.text
            .extend(format::field((key, KEY_WIDTH), value, self.width, styles));
    }

    /// Free text, wrapped, after a styled lead (`  CRIT R2  `).
    fn lead_text(&mut self, lead: Vec<Span<'static>>, text: &str) {
        let indent: usize = lead.iter().map(|s| s.content.chars().count()).sum();
        let mut lead = Some(lead);
        for piece in format::wrap(text, self.width.saturating_sub(indent)) {
            let mut spans = lead
                .take()
                .unwrap_or_else(|| vec![Span::raw(" ".repeat(indent))]);
            spans.push(Span::raw(piece));
            self.text.push(Line::from(spans));
        }
    }
}

fn summary(out: &mut Lines, status: &DomainStatus, now: DateTime<Utc>) {
    let a = &status.assessment;
    let host = status.idp_host().unwrap_or_else(|| "—".into());
    let kind = status.last_good.as_ref().map(|s| match s.facts.kind {
        IdpKind::AdFs => "AD FS",
        IdpKind::ThirdParty => "third-party IdP",
    });
    out.field(
        "IdP",
        &kind.map_or(host.clone(), |k| format!("{host} ({k})")),
    );
    if status.idp_group().len() > 1 {
        // The domains of this entityID: a renewal updates them together.
        out.field(
            "IdP group",
            &format!(
                "{} ({} domains of this IdP)",
                status.group().join(", "),
                status.idp_group().len()
            ),
        );
    }
    refresh_summary(out, status, now);
    let primary = match (&a.primary, a.days_left) {
        (Some(p), Some(_)) => format!(
            "{}; {}",
            words::expiry(&p.cert, now),
            match p.source {
                PrimarySource::MetadataSignature if signature_invalid(status) => {
                    "named by the metadata's signature, which does not verify"
                }
                source => primary_source_text(source),
            }
        ),
        _ => "none known".into(),
    };
    out.field("primary", &primary);
    let mut successor = list::successor(status, now, true);
    if a.successor_source == Some(SuccessorSource::AdfsImport) {
        successor.push_str(": AD FS holds it, the metadata does not publish it yet");
    }
    out.field("successor", &successor);
    out.field_styled("Entra sync", a.sync.label(), out.theme.sync(a.sync));
    if let Some(error) = &status.entra_error {
        // Up here too: a failing Graph read is why the sync state may be old or unknown.
        out.field_styled(
            "Entra read",
            &format!(
                "FAILED {} ({}); the error is under Entra ID",
                words::age(error.at, now),
                error.short()
            ),
            out.theme.error(),
        );
    }
    let auto = match status.auto_rollover() {
        Some(true) => "automatic (AutoCertificateRollover on)",
        Some(false) => "manual",
        None => "unknown",
    };
    out.field("rollover", auto);
}

/// One line on the state of the metadata: fetching, stale, failed, or read how long ago.
fn refresh_summary(out: &mut Lines, status: &DomainStatus, now: DateTime<Utc>) {
    let theme = out.theme;
    if let FetchState::Fetching { since } = status.fetch {
        out.field(
            "refresh",
            &format!("fetching, started {}", words::age(since, now)),
        );
    }
    match (&status.last_error, &status.last_good) {
        (Some(error), Some(snapshot)) => out.field_styled(
            "refresh",
            &format!(
                "STALE: the refresh {} failed ({}); showing the snapshot read {}",
                words::age(error.at, now),
                error.short(),
                words::age(snapshot.fetched_at, now)
            ),
            theme.stale(),
        ),
        (Some(error), None) => out.field_styled(
            "refresh",
            &format!(
                "FAILED {} ({}); never read successfully",
                words::age(error.at, now),
                error.short()
            ),
            theme.error(),
        ),
        (None, Some(snapshot)) => out.field(
            "refresh",
            &format!("ok, read {}", words::age(snapshot.fetched_at, now)),
        ),
        (None, None) => out.field("refresh", "not read yet"),
    }
}

/// The audit log's changes to the domain's federation, newest first, or why there are none.
fn changes(out: &mut Lines, status: &DomainStatus, now: DateTime<Utc>) {
    let Some(changes) = &status.changes else {
        return;
    };
    if let Some(problem) = words::posture::access_problem(changes) {
        out.field_styled("changes", &format!("audit log {problem}"), out.theme.dim());
        return;
    }
    let list = changes.read().map_or(&[][..], Vec::as_slice);
    if list.is_empty() {
        out.field("changes", "none in the last 30 days (audit log)");
    }
    for (i, change) in list.iter().enumerate() {
        let recent = change.at > now - crate::assess::RECENT_CHANGE;
        let style = if recent {
            out.theme.stale()
        } else {
            Style::new()
        };
        let key = if i == 0 { "changes" } else { "" };
        out.field_styled(key, &words::posture::change(change, now), style);
    }
}

/// The metadata's signature does not verify: its `KeyInfo` names a signer, proves nothing.
fn signature_invalid(status: &DomainStatus) -> bool {
    status.signature().is_some_and(|s| {
        matches!(
            s.status,
            crate::metadata::signature::SignatureStatus::Invalid(_)
        )
    })
}

fn primary_source_text(source: PrimarySource) -> &'static str {
    match source {
        PrimarySource::AdfsImport => "IsPrimary in the imported Get-AdfsCertificate",
        PrimarySource::MetadataSignature => "it signed the metadata",
        PrimarySource::Inferred => "inferred: the valid signing cert that expires first",
    }
}

fn findings(out: &mut Lines, status: &DomainStatus, checklist: &Checklist, open_key: &str) {
    out.heading("Findings");
    if status.assessment.findings.is_empty() {
        out.text.push(Line::raw("  none"));
    }
    if checklist.is_incident() {
        let lead = vec![
            Span::raw("  "),
            Span::styled("INCIDENT ", out.theme.error()),
        ];
        out.lead_text(
            lead,
            "Entra trusts a certificate the IdP never published: the checklist rotates and rewrites what Entra trusts first",
        );
    } else if checklist.mode == Mode_::Outage {
        let lead = vec![Span::raw("  "), Span::styled("OUTAGE ", out.theme.error())];
        out.lead_text(
            lead,
            "sign-ins fail now, or will before a planned renewal can finish: the checklist restores them first",
        );
    }
    // Where the top finding's advice is carried out, and the key that goes there.
    if let Some((_, number)) = status
        .assessment
        .findings
        .iter()
        .find_map(|f| checklist.step_of(f))
    {
        let title = checklist
            .steps
            .get(number - 1)
            .map_or("", |s| s.title.as_str());
        out.text.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(open_key.to_owned(), out.theme.key()),
            Span::raw(format!(" opens checklist step {number}: {title}")),
        ]));
    }
    for finding in &status.assessment.findings {
        let lead = vec![
            Span::raw("  "),
            Span::styled(
                format!("{:<7}", finding.severity.word()),
                out.theme.severity(finding.severity),
            ),
            Span::styled(format!(" {:<4}", finding.rule.id()), out.theme.key()),
            Span::raw(" "),
        ];
        out.lead_text(lead, &checklist.say(finding));
    }
}

/// Each certificate as AD FS (an imported `Get-AdfsCertificate`), the metadata and Entra see
/// it, side by side, with what the verdict makes of it.
fn three_sides(out: &mut Lines, status: &DomainStatus) {
    let a = &status.assessment;
    let facts = status.last_good.as_ref().map(|s| &s.facts);
    let adfs_idp = facts.is_none_or(|f| f.kind == IdpKind::AdFs);
    let adfs = status
        .imported_adfs
        .as_ref()
        .filter(|_| a.adfs == Some(AdfsUse::Used));
    let entra = status.entra();
    let sides = sides::sides(facts, adfs, entra.as_ref());
    if sides.rows.is_empty() {
        // Nothing known from any side: the timeline says so.
        return;
    }
    out.heading(if adfs_idp {
        "AD FS · metadata · Entra"
    } else {
        "Metadata · Entra"
    });
    let adfs_head = if adfs_idp { "AD FS     " } else { "" };
    let head = format!(
        "  {:<10} {:<10}  {adfs_head}{:<10}{:<9}verdict",
        "cert", "expires", "metadata", "Entra"
    );
    out.text.push(Line::styled(head, out.theme.dim()));
    let primary = a.primary.as_ref().map(|p| &p.cert);
    for row in &sides.rows {
        let dash = || "—".to_owned();
        let expires = row.not_after.map_or_else(dash, words::date);
        let adfs_cell = match (sides.adfs_known, row.adfs) {
            (false, _) => "?".to_owned(),
            (true, Some(AdfsRole::Primary)) => "primary".to_owned(),
            (true, Some(AdfsRole::Secondary)) => "secondary".to_owned(),
            (true, None) => dash(),
        };
        let published = if !sides.metadata_known {
            "?".to_owned()
        } else if row.published {
            "published".to_owned()
        } else {
            dash()
        };
        let entra_cell = match (sides.entra_known, row.entra) {
            (false, _) => "?".to_owned(),
            (true, Some(Slot::Signing)) => "signing".to_owned(),
            (true, Some(Slot::NextSigning)) => "next".to_owned(),
            (true, None) => dash(),
        };
        let role = if primary.is_some_and(|p| p.sha1 == row.sha1) {
            "primary"
        } else if a.successor.as_ref().is_some_and(|s| s.sha1 == row.sha1) {
            "successor"
        } else if let (Some(p), Some(c)) = (primary, row.cert.as_ref())
            && assess::is_twin(c, p)
        {
            "twin"
        } else {
            ""
        };
        let mut spans = vec![Span::raw(format!(
            "  {:<10} {:<10}  ",
            words::short_thumbprint(row.sha1),
            expires
        ))];
        let cell = |text: String, width: usize| {
            let style = if text == "—" || text == "?" {
                out.theme.dim()
            } else {
                Style::new()
            };
            Span::styled(format!("{text:<width$}"), style)
        };
        if adfs_idp {
            spans.push(cell(adfs_cell, 10));
        }
        spans.push(cell(published, 10));
        spans.push(cell(entra_cell, 9));
        spans.push(Span::styled(role.to_owned(), out.theme.key()));
        out.text.push(Line::from(spans));
    }
    let note = match (adfs_idp, a.adfs, &status.imported_adfs) {
        (true, Some(AdfsUse::Unmatched), _) => Some(
            "the imported AD FS list shares no certificate with the metadata: not used (another farm's, or the metadata is out of date)",
        ),
        (true, _, None) => Some(
            "? AD FS's own list is not imported: fedcert import --script prints the script that collects it",
        ),
        _ => None,
    };
    if let Some(note) = note {
        for piece in format::wrap(note, out.width.saturating_sub(2)) {
            out.text
                .push(Line::styled(format!("  {piece}"), out.theme.dim()));
        }
    }
}

fn certificates(out: &mut Lines, status: &DomainStatus, now: DateTime<Utc>) {
    out.heading("Certificates");
    let Some(snapshot) = &status.last_good else {
        out.text.push(Line::raw("  none read yet"));
        return;
    };
    let a = &status.assessment;
    let primary = a.primary.as_ref().map(|p| p.cert.sha1);
    let successor = a.successor.as_ref().map(|c| c.sha1);
    let signer = snapshot.facts.signed_by.as_ref().map(|c| c.sha1);
    let signed = if signature_invalid(status) {
        " · in the metadata's signature, which does not verify"
    } else {
        " · signed the metadata"
    };
    let entra = status.entra();
    let primary_cert = a.primary.as_ref().map(|p| &p.cert);
    for cert in &snapshot.facts.signing {
        let role = if Some(cert.sha1) == primary {
            "signing · primary"
        } else if Some(cert.sha1) == successor {
            "signing · successor"
        } else if primary_cert.is_some_and(|p| assess::is_twin(cert, p)) {
            "signing · twin (expires with the primary: not a successor)"
        } else {
            "signing"
        };
        certificate(out, (role, signed), cert, signer, entra.as_ref(), now);
    }
    // What AD FS holds that the metadata does not publish (the import carries the certificate).
    for (held, cert) in status.adfs_unpublished() {
        let role = match (held.is_primary, Some(cert.sha1) == successor) {
            (true, _) => "AD FS primary · not in the metadata",
            (false, true) => "AD FS secondary · successor · not in the metadata",
            (false, false) => "AD FS secondary · not in the metadata",
        };
        certificate(out, (role, signed), cert, signer, entra.as_ref(), now);
    }
    for cert in &snapshot.facts.encryption {
        certificate(
            out,
            ("encryption (token-decrypting)", signed),
            cert,
            signer,
            None,
            now,
        );
    }
    match &snapshot.facts.signed_by {
        None => out.field("metadata", "not signed"),
        Some(c) if snapshot.facts.signing.iter().any(|s| s.sha1 == c.sha1) => {}
        Some(c) => out.field(
            "metadata",
            &format!(
                "signed by {} ({}), not a published signing cert",
                words::subject(c),
                c.sha1
            ),
        ),
    }
    for problem in &snapshot.facts.unreadable {
        out.field_styled("unreadable", problem, out.theme.error());
    }
}

/// `role`: what the certificate is, and what to say when it is the metadata's signer.
fn certificate(
    out: &mut Lines,
    (role, signed): (&str, &str),
    cert: &CertInfo,
    signer: Option<Sha1>,
    entra: Option<&EntraSide>,
    now: DateTime<Utc>,
) {
    out.blank();
    let mut title = vec![Span::styled(format!("  {role}"), out.theme.title())];
    if signer == Some(cert.sha1) {
        title.push(Span::raw(signed.to_owned()));
    }
    out.text.push(Line::from(title));
    out.field("subject", &words::subject(cert));
    let issuer = words::windows_order(&cert.issuer);
    let issuer = if cert.self_signed {
        format!("{issuer} (self-signed)")
    } else {
        issuer
    };
    out.field("issuer", &issuer);
    out.field(
        "valid",
        &format!(
            "{} → {} ({})",
            words::moment(cert.not_before),
            words::moment(cert.not_after),
            words::left(cert.not_after, now)
        ),
    );
    out.field("SHA-1", &cert.sha1.to_string());
    out.field("SHA-256", &cert.sha256.to_string());
    out.field("serial", &cert.serial);
    let bits = cert.key_bits.map_or(String::new(), |b| format!(" {b}"));
    out.field(
        "key",
        &format!(
            "{}{bits} · {}",
            cert.key_algorithm, cert.signature_algorithm
        ),
    );
    if let Some(entra) = entra {
        let held = if entra.signing == Some(cert.sha1) {
            "holds it as signing certificate"
        } else if entra.next_signing == Some(cert.sha1) {
            "holds it as next signing certificate"
        } else {
            "does not hold it"
        };
        out.field("Entra", held);
    }
}

/// The certificates fedcert saw the IdP publish, and when; which of them Entra still trusts.
fn history(out: &mut Lines, status: &DomainStatus, now: DateTime<Utc>) {
    out.heading("Certificate history");
    if let Some(problem) = &status.history_problem {
        out.field_styled("not used", &problem.to_string(), out.theme.stale());
    }
    let published: Vec<Sha1> = status
        .last_good
        .iter()
        .flat_map(|s| s.facts.signing.iter().chain(&s.facts.encryption))
        .map(|c| c.sha1)
        .collect();
    let seen = status.history.published_in_order();
    if seen.is_empty() {
        out.text.push(Line::raw("  nothing seen published yet"));
    }
    let entra = status.entra();
    for (sha1, sighting) in seen {
        let now_or_then = if published.contains(&sha1) && status.last_error.is_none() {
            "published now".to_owned()
        } else {
            format!("last seen {}", words::moment(sighting.last_seen))
        };
        let trusted = if entra.as_ref().is_some_and(|e| e.holds(sha1)) {
            " · Entra trusts it"
        } else {
            ""
        };
        out.field(
            &words::short_thumbprint(sha1),
            &format!(
                "first seen {} ({}), {now_or_then}{trusted}",
                words::moment(sighting.first_seen),
                words::age(sighting.first_seen, now)
            ),
        );
    }
}

fn metadata(out: &mut Lines, status: &DomainStatus, now: DateTime<Utc>) {
    out.heading("Metadata");
    out.field("url", &status.config.metadata_url);
    if let FetchState::Fetching { since } = status.fetch {
        out.field(
            "fetching",
            &format!(
                "since {} ({})",
                words::moment(since),
                words::age(since, now)
            ),
        );
    }
    if let Some(error) = &status.last_error {
        out.field_styled(
            "last fetch",
            &format!(
                "FAILED {} ({}): {}",
                words::moment(error.at),
                words::age(error.at, now),
                error
            ),
            out.theme.error(),
        );
    }
    match &status.last_good {
        Some(snapshot) => {
            let when = format!(
                "{} ({})",
                words::moment(snapshot.fetched_at),
                words::age(snapshot.fetched_at, now)
            );
            if status.is_stale() {
                out.field_styled(
                    "STALE",
                    &format!("showing the last good snapshot, read {when}"),
                    out.theme.stale(),
                );
            } else {
                out.field("last fetch", &format!("ok {when}"));
            }
            if snapshot.location != status.config.metadata_url {
                out.field("read from", &snapshot.location);
            }
            out.field("entity", &snapshot.facts.entity_id);
            if let Some(until) = snapshot.facts.valid_until {
                out.field("valid until", &words::moment(until));
            }
            // Measured against the real clock when the response arrived, so a `--now`
            // rehearsal shows no false skew.
            if let Some(skew) = snapshot.clock_skew.filter(|s| s.num_seconds().abs() >= 60) {
                let (seconds, side) = if skew.num_seconds() > 0 {
                    (skew.num_seconds(), "ahead of")
                } else {
                    (-skew.num_seconds(), "behind")
                };
                out.field_styled(
                    "clock skew",
                    &format!("the server's Date header is {seconds}s {side} this machine's clock"),
                    out.theme.stale(),
                );
            }
        }
        None if status.last_error.is_none() => out.field("last fetch", "not yet"),
        None => out.field("snapshot", "none: never read successfully"),
    }
    endpoints(out, status, now);
}

/// The document's signature and the TLS certificates of the metadata and sign-in hosts.
fn endpoints(out: &mut Lines, status: &DomainStatus, now: DateTime<Utc>) {
    use crate::assess::{SigninTls, TlsCert};
    use crate::metadata::signature::SignatureStatus;
    if let Some(check) = status.signature() {
        let style = match check.status {
            SignatureStatus::Invalid(_) => out.theme.error(),
            SignatureStatus::Untrusted => out.theme.stale(),
            SignatureStatus::Unsigned | SignatureStatus::Unsupported(_) if check.required => {
                out.theme.stale()
            }
            _ => Style::new(),
        };
        out.field_styled("signature", &words::signature(&check), style);
    }
    let tls = |out: &mut Lines, role: &str, cert: &TlsCert| {
        let style = if cert.cert.not_after <= now {
            out.theme.error()
        } else if cert.cert.days_left_exact(now) < f64::from(status.config.policy.tls_warn_days) {
            out.theme.stale()
        } else {
            Style::new()
        };
        out.field_styled(
            "TLS",
            &format!(
                "{} ({role}): {}",
                cert.host,
                words::tls_certificate(cert, now)
            ),
            style,
        );
        if let Some(refusal) = words::tls_refusal(cert) {
            out.field_styled("", &format!("REFUSED: {refusal}"), out.theme.error());
        }
    };
    if let Some(cert) = status.metadata_tls() {
        tls(out, "metadata", cert);
    }
    match status
        .last_good
        .as_ref()
        .and_then(|s| s.endpoints.signin.as_ref())
    {
        Some(SigninTls::Read(cert)) => tls(out, "sign-in", cert),
        Some(SigninTls::Failed { host, error }) => {
            out.field_styled(
                "TLS",
                &format!("{host} (sign-in): not read: {error}"),
                out.theme.stale(),
            );
        }
        None => {}
    }
}

/// The tenant whose Entra holds the domain, and what to do when it needs a sign-in.
fn tenant(out: &mut Lines, status: &DomainStatus) {
    if let Some(needed) = status.sign_in_needed() {
        out.field_styled(
            "tenant",
            &format!("{}: sign in with {}", needed.tenant, needed.command()),
            out.theme.stale(),
        );
    } else if let Some(tenant) = &status.config.tenant {
        out.field("tenant", tenant);
    }
}

fn entra(out: &mut Lines, status: &DomainStatus, now: DateTime<Utc>) {
    out.heading("Entra ID");
    tenant(out, status);
    for line in crate::words::import_lines(&status.imports, status.assessment.adfs, now) {
        out.field("imported", &line);
    }
    let Some(side) = status.entra() else {
        out.text.push(Line::raw(if status.config.tenant.is_some() {
            "  not read from Graph yet"
        } else {
            "  no Entra side known (configure [entra], import, or type the thumbprints in)"
        }));
        if let Some(error) = &status.entra_error {
            out.field_styled("error", &error.to_string(), out.theme.error());
        }
        return;
    };
    let source = match side.source {
        Some(EntraSource::Graph) => "Microsoft Graph",
        Some(EntraSource::Import) => "imported PowerShell JSON",
        Some(EntraSource::Config) => "thumbprints in the config",
        None => "unknown",
    };
    out.field("source", source);
    let idp_certs: Vec<&CertInfo> = status
        .last_good
        .iter()
        .flat_map(|s| s.facts.signing.iter())
        .collect();
    let held = [
        ("signing", side.signing, side.signing_cert.as_ref()),
        ("next", side.next_signing, side.next_signing_cert.as_ref()),
    ];
    for (key, thumbprint, cert) in held {
        let Some(thumbprint) = thumbprint else {
            out.field(key, "—");
            continue;
        };
        let matched = idp_certs.iter().find(|c| c.sha1 == thumbprint);
        let note = match matched {
            Some(c) if Some(c.sha1) == status.assessment.primary.as_ref().map(|p| p.cert.sha1) => {
                " (the IdP's primary)"
            }
            Some(c) if Some(c.sha1) == status.assessment.successor.as_ref().map(|s| s.sha1) => {
                " (the IdP's successor)"
            }
            Some(_) => " (published by the IdP)",
            None => " (matches no cert the IdP publishes)",
        };
        out.field(key, &format!("{thumbprint}{note}"));
        if let Some(cert) = cert {
            let validity = format!("{}, {}", words::subject(cert), words::expiry(cert, now));
            out.field("", &validity);
        }
    }
    if side.update_result.is_some() || side.last_run.is_some() {
        let words = crate::words::update_status(side.update_result.as_ref(), side.last_run, now);
        let failed = side
            .update_result
            .as_ref()
            .is_some_and(ReportedResult::is_failure);
        let style = if failed {
            out.theme.stale()
        } else {
            Style::new()
        };
        out.field_styled("update", &words, style);
    }
    if let Some(issuer) = &side.issuer_uri {
        out.field("issuer URI", issuer);
    }
    if let Some(mfa) = &side.mfa_behavior {
        out.field("MFA", &words::posture::mfa_behavior(mfa));
    }
    changes(out, status, now);
    if let Some(at) = side.as_of {
        out.field(
            "as of",
            &format!("{} ({})", words::moment(at), words::age(at, now)),
        );
    }
    if let Some(error) = &status.entra_error {
        out.field_styled(
            "error",
            &format!("{error} (showing the last known side)"),
            out.theme.error(),
        );
    }
}
