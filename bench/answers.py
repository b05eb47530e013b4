"""The bench's candidate: complete answers, monologues with thinking pauses, and unfinished pauses.

- ``COMPLETE``: an answer that reaches its point; the interviewer should reply promptly.
- ``MONOLOGUES``: complete sentences with 1.5-3 s of thinking between them, the result
  only at the end, as people answer open questions; nothing of them may be lost and no
  answer split in two.
- ``UNFINISHED``: a thinking pause after words that lead into more ("...and so").
- ``RESUMES``: a complete answer, and one more thing said once the interviewer has begun
  to reply: the reply must stop at once, and both parts make one answer.
"""

from __future__ import annotations

COMPLETE = [
    "I led the migration of our checkout service to a new payments provider. It cut processing fees by thirty percent.",
    "The main trade-off was consistency against latency. We accepted a few seconds of staleness, and the page got twice as fast.",
    "I wrote the design document, ran the review with three teams, and the rollout shipped in six weeks.",
    "We sharded the orders table by customer id, which let us scale writes to twelve nodes and cut latency in half.",
    "Our cache sat in front of the profile service, and the hit rate went from sixty to ninety five percent.",
    "I mentored two engineers through their promotions, and one of them now leads the platform team.",
    "The outage lasted forty minutes. I coordinated the response, and the postmortem cut repeat incidents by half.",
    "We estimated five thousand requests per second at peak, so two regions with autoscaling saved us a third of the cost.",
    "Product wanted it in one quarter, so I proposed a smaller first release, which shipped in six weeks.",
    "The new pipeline reduced our cloud bill by two million dollars a year and opened three new markets.",
    "I disagreed with the rewrite, so I built a prototype that showed a cheaper fix, and that saved two quarters.",
    "We used leader election through etcd, so a failed primary was replaced in under ten seconds.",
]

MONOLOGUES = [
    [
        "I led the migration of our billing system to an event driven design.",
        "The hardest part was convincing finance that the cut over was safe.",
        "In the end we cut invoice errors by ninety percent.",
    ],
    [
        "My team owned the search service for the whole marketplace.",
        "I noticed that half of our queries were for the same hundred terms.",
        "So I added a cache in front of the ranking service, and latency dropped by sixty percent.",
    ],
    [
        "We had three teams writing to the same database.",
        "I proposed an ownership model where each table had one writer.",
        "It took a quarter to roll out, and incidents went down by half.",
    ],
    [
        "The project was a new notification platform.",
        "I wrote the design and ran the reviews with product and security.",
        "We launched it to all users in March, and it now sends forty million messages a day.",
    ],
    [
        "The first thing I did was measure where the time went.",
        "Most of it was in the serialisation layer.",
        "We replaced it, and the service got three times faster.",
    ],
    [
        "I disagreed with my manager about the rewrite.",
        "I thought we could fix the existing service in a few weeks.",
        "I built a prototype to show it, and we saved about two quarters of work.",
    ],
    [
        "Our mobile app was crashing for about one percent of sessions.",
        "I set up crash grouping and found that two bugs caused most of them.",
        "After the fixes, the crash rate dropped to a tenth of a percent.",
    ],
    [
        "We needed to move from one region to three.",
        "I planned the data replication and the failover drills.",
        "The migration finished without downtime, and we now survive a region outage.",
    ],
    [
        "I was the tech lead for the payments redesign.",
        "I split the work between four teams and kept one shared plan.",
        "It cut our processing costs by two million dollars a year.",
    ],
    [
        "The staff question is a fair one.",
        "My scope so far has been one product area.",
        "To get there I want to own a platform that several teams depend on, and that is why I am here.",
    ],
    [
        "We had no load testing before the launch.",
        "I wrote a small harness that replayed production traffic.",
        "It found two bottlenecks, and the launch went out with no incidents.",
    ],
    [
        "For the data model we kept users and orders separate.",
        "Order totals went into a summary table that we rebuilt every night.",
        "That made the reports a hundred times faster.",
    ],
]

UNFINISHED = [
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

# A complete answer, then, once the interviewer has started to reply, one more thing: the
# candidate goes on over the reply (how long both voices sound at once is measured).
RESUMES = [
    (
        "I owned the rollout of our new search ranking, and it lifted conversion by four percent.",
        "And one more thing, I also wrote the runbook the on call team still uses today.",
    ),
    (
        "We moved the session store to Redis, and page loads got twice as fast.",
        "Sorry, I should add that the hardest part was the migration with no downtime.",
    ),
    (
        "I ran the incident review with three teams, and repeat outages dropped by half.",
        "Actually, the part I am proudest of is that the teams kept running the reviews without me.",
    ),
    (
        "I proposed splitting the monolith by domain, and the first service shipped in two months.",
        "Oh, and I also set up the contract tests that made the split safe.",
    ),
    (
        "The new cache cut database load by seventy percent and saved a million dollars a year.",
        "One more detail, we chose write through caching so the reads were never stale.",
    ),
    (
        "I mentored three engineers, and two of them were promoted within the year.",
        "And I should say that I also changed how our team runs design reviews.",
    ),
    (
        "We built the rate limiter on a token bucket, and abuse traffic fell by ninety percent.",
        "Sorry, to be precise, the buckets lived in Redis with one key per client.",
    ),
    (
        "I led the move to three regions, and we now survive a full region outage.",
        "And the failover drills I started are now run every quarter by the platform team.",
    ),
]
