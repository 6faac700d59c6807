//! End-to-end: the real binary in a pseudo-terminal, read through a terminal emulator (vt100),
//! driven with keys and signals. Waits are for screen content with a deadline, never sleeps.
#![allow(clippy::unwrap_used)]

mod support;

use support::pty::Session;

#[test]
fn demo_shows_domains_help_and_quits_with_the_terminal_restored() {
    let mut tui = Session::start(&["demo"], &[]);
    // Every scenario reaches its verdict through the loopback server.
    tui.wait_for("the demo domains with their verdicts", |s| {
        let text = s.contents();
        text.contains("contoso-demo") && text.contains("CRIT") && text.contains("refused")
    });
    assert!(
        tui.screen.screen().alternate_screen(),
        "the TUI runs on the alternate screen"
    );
    assert!(!tui.screen.screen().contents().contains("toggle_help"));
    tui.keys("?");
    // The help overlay's table, generated from the keymap (at 80x24 without its headings).
    tui.wait_for_text("toggle_help");
    tui.keys("q");
    let status = tui.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    tui.assert_restored();
}

#[test]
fn a_dropped_ssh_session_sighup_restores_the_terminal() {
    let mut tui = Session::start(&["demo"], &[]);
    tui.wait_for_text("contoso-demo");
    let pid = tui.child.process_id().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tui.wait_exit();
    tui.assert_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut tui = Session::start(&["demo"], &[]);
    tui.wait_for_text("contoso-demo");
    let pid = tui.child.process_id().unwrap();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    tui.wait_exit();
    tui.assert_restored();
}

#[test]
fn without_a_config_the_first_run_screen_says_where_it_goes() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fedcert").join("config.toml");
    let mut tui = Session::start(&["--config", config.to_str().unwrap()], &[]);
    tui.wait_for_text("config init");
    tui.wait_for_text("fedcert demo");
    let shown = tui.screen.screen().contents().replace('\n', "");
    assert!(shown.contains("config.toml"), "{shown}");
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn the_demo_reads_its_entra_side_through_graph_with_its_own_secret() {
    // A wrong secret in the process environment changes nothing: the demo hands its Graph
    // client its own secret, so the sync states (which only Graph supplies) still show.
    let mut tui = Session::start(
        &["demo"],
        &[("FEDCERT_DEMO_CLIENT_SECRET", "not-the-demo-secret")],
    );
    tui.wait_for("sync states read from the demo's Graph", |s| {
        let text = s.contents();
        text.contains("BROKEN") && text.contains("pending") && text.contains("in sync")
    });
    assert!(!tui.screen.screen().contents().contains("AADSTS"));
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

/// Demo screen with every scenario's verdict in and no fetch running, so that the order no
/// longer changes under a click.
fn wait_for_the_demo(tui: &mut Session) {
    tui.wait_for("every demo verdict", |s| {
        let text = s.contents();
        text.contains("5 CRIT 4 WARN 2 UNKNOWN 2 OK") && !text.contains("fetching")
    });
}

#[test]
fn the_mouse_selects_opens_and_scrolls_and_its_capture_ends_with_the_ui() {
    let mut tui = Session::start(&["demo"], &[]);
    wait_for_the_demo(&mut tui);
    assert_ne!(
        tui.screen.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "the TUI captures the mouse"
    );
    let row = tui.row_of("contoso-demo");
    tui.click(20, row);
    tui.wait_for("the click to select contoso-demo", |s| {
        s.contents()
            .lines()
            .any(|l| l.starts_with("▶") && l.contains("contoso-demo"))
    });
    let row = tui.row_of("contoso-demo");
    tui.click(20, row); // again: open it
    tui.wait_for_text("lines 1–");
    tui.wheel(true, 20, 10); // three lines down
    tui.wait_for_text("lines 4–");
    tui.wheel(false, 20, 10);
    tui.wait_for_text("lines 1–");
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn no_mouse_leaves_the_mouse_to_the_terminal() {
    let mut tui = Session::start(&["demo", "--no-mouse"], &[]);
    wait_for_the_demo(&mut tui);
    assert_eq!(
        tui.screen.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn a_locale_without_utf8_draws_only_ascii() {
    let mut tui = Session::start(&["demo"], &[("LANG", "C")]);
    wait_for_the_demo(&mut tui);
    tui.keys("\r"); // the details, with the timeline's bars
    tui.wait_for_text("lines 1-");
    let contents = tui.screen.screen().contents();
    assert!(contents.is_ascii(), "{contents}");
    assert!(contents.lines().any(|l| l.contains("---")), "{contents}");
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn a_logged_warning_shows_in_the_log_pane() {
    // A data dir that is a file: saving checklist progress fails, and says so in the log.
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("data");
    std::fs::write(&not_a_dir, "a file, not a directory").unwrap();
    let mut tui = Session::start(
        &["demo"],
        &[("FEDCERT_DATA_DIR", not_a_dir.to_str().unwrap())],
    );
    wait_for_the_demo(&mut tui);
    tui.keys("c"); // the worst domain's: the outage runbook
    tui.wait_for_text("OUTAGE runbook");
    tui.keys(" ");
    tui.wait_for_text("NOT SAVED");
    tui.keys("\x1b");
    tui.wait_for_text("STATUS");
    tui.keys("L");
    tui.wait_for_text("log: recent warnings and errors");
    // The entry may arrive a moment after the pane opens: wait for it, not for "WARN" (the
    // header's counts say WARN too).
    tui.wait_for_text("WARN  fedcert::tui::effects: saving the checklist progress");
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn a_pasted_error_page_is_explained_and_enter_opens_the_outage_runbook() {
    let mut tui = Session::start(&["demo"], &[]);
    wait_for_the_demo(&mut tui);
    // The terminal was asked to bracket pastes; a page of several lines arrives as one.
    assert!(
        tui.screen.screen().bracketed_paste(),
        "bracketed paste is on"
    );
    tui.keys("e");
    tui.wait_for_text("explain:");
    tui.keys("\x1b[200~Sorry, but we're having trouble signing you in.\r\nAADSTS50008: SAML token is invalid.\r\n\x1b[201~");
    tui.wait_for_text("AADSTS50008: SAML token is invalid.");
    tui.keys("\r");
    tui.wait_for_text("domains show a cause now");
    tui.keys("\r");
    tui.wait_for_text("OUTAGE runbook");
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn failed_refreshes_show_in_the_log_pane() {
    let mut tui = Session::start(&["demo"], &[]);
    wait_for_the_demo(&mut tui);
    tui.keys("L");
    tui.wait_for_text("log: recent warnings and errors");
    // The demo's refused connection, with the domain, the URL and the cause.
    // Wrapped under itself: the words in order, whatever the line breaks.
    tui.wait_for("the refused demo domain's warning", |s| {
        let text = s.contents().replace('│', " ");
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        words.contains("proseware-demo.example: the metadata could not be read:")
            && words.contains("connection refused by 127.0.0.1")
    });
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}
