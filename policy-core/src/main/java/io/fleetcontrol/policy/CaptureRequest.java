package io.fleetcontrol.policy;

/**
 * A capture tool's question: may I capture {@code kind} in this target now? Exactly one of
 * {@code appId} and {@code siteHost} is set.
 */
public record CaptureRequest(CaptureKind kind, String appId, String siteHost) {

  public static CaptureRequest inApp(CaptureKind kind, String appId) {
    return new CaptureRequest(kind, appId, null);
  }

  public static CaptureRequest onSite(CaptureKind kind, String host) {
    return new CaptureRequest(kind, null, host);
  }
}
