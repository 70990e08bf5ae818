package io.fleetcontrol.controller.readside;

/** The read-side store contract against the in-memory stores the unit tests use. */
class InMemoryReadSideStoreTest extends ReadSideStoreContract {

  @Override
  protected Stores stores(TestClock clock) {
    return new Stores(new InMemoryDeviceStore(clock), new InMemoryExemptionStore(), new InMemoryAuditStore());
  }
}
