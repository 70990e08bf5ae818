package io.fleetcontrol.policy;

/**
 * @param minPercentUnplugged no capture below this charge while unplugged; 0 turns the rule off
 * @param screenshotsOnlyWhileCharging screenshots are the costly kind: only on mains power
 */
public record BatteryRules(int minPercentUnplugged, boolean screenshotsOnlyWhileCharging) {

  public static final BatteryRules NONE = new BatteryRules(0, false);
}
