package io.fleetcontrol.policy;

/**
 * Upload limits, counted per local day and month of the device. A cap of 0 means no cap.
 *
 * @param uploadRateLimitBytesPerSecond 0 means no limit; enforced by the agent's uploader
 */
public record BandwidthRules(
    long dailyUploadCapBytes,
    long monthlyUploadCapBytes,
    MeteredNetworkAction meteredNetworkAction,
    long uploadRateLimitBytesPerSecond) {

  /** What to do on a metered network: hold uploads back, stop capture, or carry on. */
  public enum MeteredNetworkAction {
    DEFER,
    BLOCK,
    ALLOW
  }

  public static final BandwidthRules UNLIMITED =
      new BandwidthRules(0, 0, MeteredNetworkAction.DEFER, 0);
}
