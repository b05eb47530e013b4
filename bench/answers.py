"""The bench's candidate: answers that end cleanly, and answers with a thinking pause mid-way."""

from __future__ import annotations

CLEAN = [
    "I led the migration of our checkout service to a new payments provider. It cut processing fees by thirty percent.",
    "The main trade-off was consistency against latency. We chose to accept a few seconds of staleness in the catalogue.",
    "I wrote the design document, ran the review with three teams, and owned the rollout plan myself.",
    "We sharded the orders table by customer id, which let us scale writes horizontally across twelve nodes.",
    "Our cache sat in front of the profile service, and the hit rate went from sixty to ninety five percent.",
    "I mentored two engineers through their promotions and one of them now leads the platform team.",
    "The outage lasted forty minutes. I coordinated the response and wrote the postmortem the same week.",
    "We estimated about five thousand requests per second at peak, so two regions with autoscaling were enough.",
    "Product wanted the feature in one quarter, so I proposed a smaller first release that shipped in six weeks.",
    "The new pipeline reduced our cloud bill by two million dollars a year and opened three new markets.",
    "I disagreed with the plan to rewrite the service, so I built a prototype that showed a cheaper fix.",
    "We used leader election through etcd, so a failed primary was replaced in under ten seconds.",
]

PAUSED = [
    (
        "There were two parts to my plan. The first was caching the hot keys, and so",
        "the second thing was sharding the write path by tenant.",
    ),
    (
        "I looked at a few options for the queue. We could use Kafka, or",
        "we could keep the existing database and add an outbox table.",
    ),
    (
        "The hardest part was getting buy-in from the other teams, because",
        "they each had their own roadmap and very little spare capacity.",
    ),
    (
        "When the primary fails, the replicas notice it within a few seconds, and then",
        "one of them is promoted through the consensus group.",
    ),
    (
        "My first step was to measure where the time went. It turned out that",
        "most of the latency came from the serialisation layer.",
    ),
    (
        "I think the business impact was, um",
        "about a fifteen percent increase in conversion on mobile.",
    ),
    (
        "So we had a choice between two designs. The first one was simpler but",
        "the second one scaled to ten times the traffic.",
    ),
    (
        "I would say the reason I'm not at staff yet is that",
        "my scope has been one product area rather than the whole organisation.",
    ),
    (
        "For the data model we kept users and orders separate, and",
        "we denormalised the order totals into a summary table.",
    ),
    (
        "To roll it out safely we started with one percent of traffic and",
        "we doubled it every day while watching the error rate.",
    ),
    ("What I personally did was, uh", "write the migration tooling and run the cut over weekend."),
    (
        "The capacity estimate started from daily active users, so",
        "ten million users making twenty requests a day gives about two thousand per second.",
    ),
]

END = "That's everything from me. Let's end the interview here."
