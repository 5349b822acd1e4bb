/// What the campaigns did and what it did to customers: the `messaging` section of summary.json.
public struct MessagingSummary: Codable, Sendable, Equatable {
    public var totals: Totals
    public var campaigns: [String: CampaignSummary]
    public var byChannel: [String: ChannelSummary]
    /// Every message created reached exactly one terminal state (or is counted pending).
    public var terminalStatesConserved: Bool

    public struct Totals: Codable, Sendable, Equatable {
        public var messagesCreated: Int
        public var messagesDelivered: Int
        public var recipients: Int
        /// Delivered messages per customer per week of simulated time.
        public var messagesPerCustomerPerWeek: Double
        public var unhappyMessages: Int
        public var unhappyRecipients: Int
        public var optOuts: Int
        public var customersOptedOut: Int
        /// Opt-outs ÷ unhappy messages: each unhappy recipient opts out with the configured
        /// probability (0.78 by default, the source figure).
        public var optOutShareOfUnhappy: Double
        public var revenuePerMessage: Double
        public var costUSD: Double
        public var cartReturns: Int
        public var reengagements: Int
        /// Unhappy recipients who dropped the journey under way.
        public var walkAways: Int
        /// Purchases (and revenue) in sessions a message click started.
        public var messagePurchases: Int
        public var messageRevenue: Double
        public var terminalStates: [String: Int]
        /// Messages answered (`message_replied`) and delivered but not opened within their
        /// campaign's `ignored_after` window; left out when none were.
        public var replied: Int?
        public var ignored: Int?

        /// `costUSD` is written `cost_usd`, which `.convertFromSnakeCase` reads back as `costUsd`.
        enum CodingKeys: String, CodingKey {
            case messagesCreated, messagesDelivered, recipients, messagesPerCustomerPerWeek, unhappyMessages,
                unhappyRecipients, optOuts, customersOptedOut, optOutShareOfUnhappy, revenuePerMessage, cartReturns,
                reengagements, walkAways, messagePurchases, messageRevenue, terminalStates, replied, ignored
            case costUSD = "costUsd"
        }
    }

    public struct CampaignSummary: Codable, Sendable, Equatable {
        public var entered: Int
        public var exited: Int
        public var runningAtEnd: Int
        public var created: Int
        public var pending: Int
        public var deferred: Int
        public var delivered: Int
        public var read: Int
        public var failed: Int
        public var fallbackAttempts: Int
        public var terminalStates: [String: Int]
        public var steps: [StepSummary]
        /// The event counted as this campaign's conversion (e.g. `purchase`); nil when none is configured.
        public var conversionEvent: String?
        public var treatment: GroupOutcome
        public var control: GroupOutcome
        /// Treatment conversion rate minus control's, with a 95% CI (Newcombe); nil without a control group.
        public var lift: ConfidenceInterval?
        public var liftSignificant: Bool?
    }

    public struct StepSummary: Codable, Sendable, Equatable {
        public var step: String
        public var created: Int
        public var terminalStates: [String: Int]
    }

    /// Exposures (messages received, or would-be sends held out) and conversions after them.
    public struct GroupOutcome: Codable, Sendable, Equatable {
        public var exposures: Int
        public var conversions: Int
        public var conversionRate: ConfidenceInterval
    }

    public struct ChannelSummary: Codable, Sendable, Equatable {
        public var attempts: Int
        public var accepted: Int
        public var delivered: Int
        public var failed: Int
        public var rejectedInvalidRecipient: Int
        public var rejectedRateLimited: Int
        public var rejectedServerError: Int
        public var retries: Int
        public var abandonedAfterRetries: Int
        public var opened: Int
        public var clicked: Int
        public var openRate: Double
        public var clickRate: Double
        public var unhappy: Int
        public var optOuts: Int
        public var costUSD: Double

        /// `costUSD` is written `cost_usd`, which `.convertFromSnakeCase` reads back as `costUsd`.
        enum CodingKeys: String, CodingKey {
            case attempts, accepted, delivered, failed, rejectedInvalidRecipient, rejectedRateLimited,
                rejectedServerError, retries, abandonedAfterRetries, opened, clicked, openRate, clickRate, unhappy,
                optOuts
            case costUSD = "costUsd"
        }
    }

    init(
        stats: TriggerStats, messaging: MessagingMetrics, labels: [[String]], conversionEvents: [String?],
        customers: Int, days: Double, revenueCents: Int64
    ) {
        let delivered = messaging.totals.delivered
        var states: [String: Int] = [:]
        for state in TerminalState.allCases { states[state.name] = Int(stats.total(state)) }
        let totalsCounts = messaging.totals
        totals = Totals(
            messagesCreated: Int(stats.total(.created)), messagesDelivered: delivered, recipients: messaging.recipients,
            messagesPerCustomerPerWeek: customers > 0 && days > 0
                ? rounded(Double(delivered) / Double(customers) / (days / 7)) : 0,
            unhappyMessages: totalsCounts.unhappy, unhappyRecipients: messaging.unhappyRecipients,
            optOuts: totalsCounts.optOuts, customersOptedOut: messaging.customersOptedOut,
            optOutShareOfUnhappy: ratio(totalsCounts.optOuts, totalsCounts.unhappy),
            revenuePerMessage: delivered > 0 ? rounded(Double(revenueCents) / 100 / Double(delivered)) : 0,
            costUSD: rounded(Double(totalsCounts.costMicros) / 1_000_000),
            cartReturns: messaging.cartReturns, reengagements: messaging.reengagements, walkAways: messaging.walkAways,
            messagePurchases: messaging.messagePurchases, messageRevenue: Double(messaging.messageRevenueCents) / 100,
            terminalStates: states, replied: totalsCounts.replied > 0 ? totalsCounts.replied : nil,
            ignored: messaging.ignored > 0 ? messaging.ignored : nil)
        var campaigns: [String: CampaignSummary] = [:]
        for campaign in 0..<stats.campaignCount {
            func count(_ counter: TriggerStats.MessageCounter) -> Int { Int(stats.count(counter, campaign: campaign)) }
            func campaignCount(_ counter: TriggerStats.CampaignCounter) -> Int {
                Int(stats.count(counter, campaign: campaign))
            }
            var states: [String: Int] = [:]
            for state in TerminalState.allCases { states[state.name] = Int(stats.count(state, campaign: campaign)) }
            let steps = (0..<stats.stepCount(campaign: campaign)).map { step -> StepSummary in
                var stepStates: [String: Int] = [:]
                for state in TerminalState.allCases {
                    stepStates[state.name] = Int(stats.count(state, campaign: campaign, step: step))
                }
                let label =
                    campaign < labels.count && step < labels[campaign].count ? labels[campaign][step] : "step \(step)"
                return StepSummary(
                    step: label, created: Int(stats.count(.created, campaign: campaign, step: step)),
                    terminalStates: stepStates)
            }
            let treatment = GroupOutcome(
                exposures: campaignCount(.treatmentExposures), conversions: campaignCount(.treatmentConversions))
            let control = GroupOutcome(
                exposures: campaignCount(.controlExposures), conversions: campaignCount(.controlConversions))
            var lift: ConfidenceInterval?
            if control.exposures > 0, treatment.exposures > 0 {
                lift =
                    Proportions.difference(
                        successes1: treatment.conversions, trials1: treatment.exposures,
                        successes2: control.conversions, trials2: control.exposures
                    ).rounded6
            }
            campaigns[stats.campaignNames[campaign]] = CampaignSummary(
                entered: campaignCount(.entered), exited: campaignCount(.exited),
                runningAtEnd: campaignCount(.runningAtEnd),
                created: count(.created), pending: count(.pending), deferred: count(.deferred),
                delivered: count(.delivered),
                read: count(.read), failed: count(.failed), fallbackAttempts: count(.fallbackAttempts),
                terminalStates: states, steps: steps,
                conversionEvent: campaign < conversionEvents.count ? conversionEvents[campaign] : nil,
                treatment: treatment, control: control,
                lift: lift, liftSignificant: lift?.excludesZero)
        }
        self.campaigns = campaigns
        var channels: [String: ChannelSummary] = [:]
        for channel in Channel.allCases {
            let c = messaging.byChannel[Int(channel.rawValue)]
            guard c.attempts > 0 else { continue }
            channels[channel.name] = ChannelSummary(
                attempts: c.attempts, accepted: c.accepted, delivered: c.delivered, failed: c.failed,
                rejectedInvalidRecipient: c.rejectedInvalid, rejectedRateLimited: c.rejectedRateLimited,
                rejectedServerError: c.rejectedServerError, retries: c.retries, abandonedAfterRetries: c.abandoned,
                opened: c.opened, clicked: c.clicked, openRate: ratio(c.opened, c.delivered),
                clickRate: ratio(c.clicked, c.opened),
                unhappy: c.unhappy, optOuts: c.optOuts, costUSD: rounded(Double(c.costMicros) / 1_000_000))
        }
        byChannel = channels
        terminalStatesConserved = stats.isConserved
    }
}

extension MessagingSummary.GroupOutcome {
    init(exposures: Int, conversions: Int) {
        self.exposures = exposures
        self.conversions = conversions
        conversionRate = Proportions.wilson(successes: conversions, trials: exposures).rounded6
    }
}
