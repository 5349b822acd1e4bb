/// The commented scenario `journeysim init` writes: small enough to run in seconds, with one
/// abandoned-cart campaign, a frequency cap and the main knobs, each explained.
public enum StarterScenario {
    public static let text = """
        # A journeysim scenario. Every key is optional; unknown keys are errors with a "did you mean" hint.
        # Check it:      journeysim validate <this file>
        # Run it:        journeysim run <this file>
        # Schema:        journeysim schema > scenario.schema.json   (for editor completion)
        # Durations take a unit: 90s, 30m, 24h, 3d, 2w. Mixes are shares that add up to 1.

        name: my-scenario          # names the results folder: results/<name>-<seed>/
        seed: 42                   # same seed, same results, byte for byte
        start: 2026-03-02          # simulated calendar start (UTC)
        duration: 14d              # 1h to 366d

        population:
          customers: 5000          # 1 to 50,000,000 per process (use --shard beyond that)
          archetypes: { routine: 0.4, joyride: 0.25, trek: 0.2, odyssey: 0.15 }
          time_zones: { Europe/Berlin: 0.5, America/New_York: 0.5 }

        # Per-archetype journey parameters (defaults in docs/model.md); here: routine shoppers abandon a bit more.
        journeys:
          routine:
            need_interval: 7d      # mean time until a new need arises
            transitions:
              cart: { checkout: 0.40, cart: 0.10, research: 0.05, end: 0.45 }

        sessions:
          channel_stickiness: 0.6  # share of sessions on the journey's first channel

        # At most 3 messages per customer per local calendar day, on any channel.
        frequency_caps:
          - { limit: 3, per: 1d, channel: any }

        campaigns:
          - name: cart_reminder
            trigger:
              event: session_end
              filter: [ "stage == cart", "cart_value > 20" ]   # only carts worth more than 20
            delay: 30m                                         # give customers time to come back on their own
            exception_events: [ purchase ]                     # a purchase cancels the pending reminder
            channels: [ whatsapp, sms, email ]                 # first reachable channel wins
            fallback: true                                     # undeliverable WhatsApp → SMS
            delivery_window: { from: "09:00", to: "21:00", outside: defer }   # recipient's local time
            control_group: 0.1                                 # 10% held out to measure the lift
            conversion: { event: purchase, window: 3d }
            content: { template: cart_reminder, fields: [ first_name, cart_value ], discount_code: SAVE10 }

        """
}
