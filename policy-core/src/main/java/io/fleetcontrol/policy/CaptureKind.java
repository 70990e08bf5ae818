package io.fleetcontrol.policy;

/** What a capture tool may record. The control plane never sees the content, only these names. */
public enum CaptureKind {
  POINTER,
  CLICKS,
  KEYSTROKES,
  MENU_SELECTIONS,
  CLIPBOARD,
  SCREENSHOTS
}
