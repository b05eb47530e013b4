"""What an answer shows, found with regular expressions: numbers, ownership, reach, trade-offs.

Both the offline interviewer (which gap to probe next) and the offline scorer
(how senior the story sounds) read the same :class:`AnswerSignals`, so the
interview and its report agree on what was and was not said.

Design: every signal is a precompiled lower-case pattern run once over a
lower-cased copy of the answer (much faster than case-insensitive matching);
matches are kept as the phrases the candidate actually said (original casing,
first occurrence, in order) so they can be quoted back as evidence. Nothing is learned or downloaded; the same text always gives the
same signals, and a long answer takes well under a millisecond.

``scope_level`` is the one judgement made here, from the other signals:

- 0: vague, no number and no concrete action with a result;
- 1: a concrete, single-team story ("I reduced latency by 20%");
- 2: reach beyond the team (product, design, other teams) or a led redesign,
  with a business outcome and a number ("cut costs $2M/year, opened 3 markets");
- 3: org-level direction (strategy, roadmap, several teams) and growing other
  leaders (mentored engineers into tech leads, hired and grew managers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SD_TOPICS: tuple[str, ...] = (
    "requirements",
    "capacity",
    "api",
    "data_model",
    "sharding",
    "caching",
    "replication",
    "scaling",
    "failure_modes",
    "monitoring",
)

_FLAGS = 0  # patterns are lower case and run on a lower-cased copy of the text

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|sixty|seventy|eighty|ninety|a hundred|hundreds|a thousand|thousands|"
    "a million|millions|a billion|billions|dozens|a dozen|half"
)
# A quantity: digits (1, 1,200, 2.5) or a number word, with an optional magnitude (k, M, million).
_NUM = rf"(?:\d[\d,]*(?:\.\d+)?|\b(?:{_NUMBER_WORDS}))"
_MAG = r"(?:\s?(?:k|m|mm|b|bn|thousand|million|billion|trillion|hundred)\b)?"
_Q = _NUM + _MAG

_UNITS = (
    r"%|percent\b|per\s?cent\b|percentage points?\b|x\b|times\b|fold\b|"
    r"ms\b|milliseconds?\b|microseconds?\b|seconds?\b|secs?\b|minutes?\b|mins?\b|hours?\b|hrs?\b|"
    r"days?\b|weeks?\b|months?\b|quarters?\b|years?\b(?!\s+ago)|nines\b|"
    r"users?\b|customers?\b|clients?\b|merchants?\b|sellers?\b|buyers?\b|drivers?\b|riders?\b|"
    r"markets?\b|countries\b|regions?\b|cities\b|languages\b|teams?\b|engineers?\b|people\b|"
    r"developers?\b|services?\b|microservices?\b|requests?\b|rps\b|qps\b|tps\b|queries\b|"
    r"transactions?\b|orders?\b|events?\b|messages?\b|writes?\b|reads?\b|calls?\b|jobs?\b|"
    r"nodes?\b|servers?\b|machines?\b|hosts?\b|instances?\b|clusters?\b|shards?\b|partitions?\b|"
    r"replicas?\b|kb\b|mb\b|gb\b|tb\b|pb\b|bytes?\b|dollars?\b|usd\b|euros?\b|pounds?\b|"
    r"incidents?\b|pages\b|tickets?\b|bugs?\b|releases?\b|deploys?\b|deployments?\b|"
    r"downloads?\b|installs?\b|sign-?ups?\b|sessions?\b|accounts?\b|stores?\b|products?\b|"
    r"points?\b|pipelines?\b|repos?\b|repositories\b|lines\b|tests?\b|alerts?\b|dashboards?\b|"
    r"features?\b|launches\b|files?\b|records?\b|rows?\b|documents?\b|videos?\b|images?\b|"
    r"photos?\b|items?\b|links?\b|urls?\b|visits?\b|views?\b|clicks?\b|devices?\b|cores?\b|"
    r"cpus?\b|gpus?\b|headcount\b|hires?\b|reports\b|directs?\b|managers?\b|leads?\b|"
    r"per\s+(?:second|sec|minute|hour|day|week|month|year|user|request)\b"
)

_METRIC_RE = re.compile(
    rf"(?:[$£€]\s?{_NUM}{_MAG}(?:\s?(?:/|a|per)\s?(?:year|yr|month|quarter))?"
    rf"|{_Q}[\s-]?(?:{_UNITS})"
    r"|\b(?:doubled|tripled|quadrupled|halved|tenfold|ten-fold)\b)",
    _FLAGS,
)

_SCALE_RE = re.compile(
    rf"{_Q}\s?(?:rps|qps|tps|requests?|queries|writes?|reads?|events?|messages?|transactions?|"
    r"(?:daily |monthly )?(?:active )?users?|dau|mau|customers?|devices?|kb|mb|gb|tb|pb|"
    r"terabytes?|petabytes?|gigabytes?|rows?|records?|objects?|files?|videos?|photos?|"
    r"links?|urls?|clicks?|orders?|rides?|trips?|posts?|tweets?|notifications?|jobs?|"
    r"nodes?|servers?|machines?|shards?|partitions?)\b"
    r"(?:\s+(?:a|per)\s+(?:second|sec|minute|hour|day|month|year))?"
    rf"|{_Q}\s+(?:\w+\s+)?(?:per|a)\s+(?:second|sec|minute|hour|day)\b"
    r"|\b(?:requests|queries|writes|reads) per second\b",
    _FLAGS,
)


def _words_re(words: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{words})\b", _FLAGS)


_BUSINESS_RE = _words_re(
    r"revenue|profits?|margins?|costs?|cost savings|saved|savings|save|spend|spending|"
    r"cloud bill|budget|sales|bookings|gmv|arr|mrr|customers?|clients|merchants|"
    r"new markets?|markets?|market share|countries|churn|conversions?|conversion rate|"
    r"retention|engagement|adoption|sign-?ups|signups|subscribers|subscriptions|"
    r"nps|customer satisfaction|csat|support tickets|tickets|contracts?|deals?|"
    r"growth|launch(?:ed)? in|go-to-market|compliance|sla|slas|uptime|availability|"
    r"time to market|users"
)

_CROSS_TEAM_RE = _words_re(
    r"product managers?|product management|product team|product partners?|product and design|"
    r"product and engineering|with product|pms?|designers?|design team|ux|user research|"
    r"other teams|partner teams|sister teams?|multiple teams|several teams|many teams|"
    r"(?:two|three|four|five|six|seven|eight|\d+) (?:other )?teams|across teams|across the org|"
    r"across the organi[sz]ation|across the company|cross-functional|cross functional|"
    r"cross-team|stakeholders?|leadership|executives?|execs?|vps?|vice president|directors?|"
    r"cto|ceo|head of \w+|legal|finance|marketing|sales team|support team|customer support|"
    r"operations team|ops team|security team|data science|data scientists|analysts?|"
    r"sre team|platform team|infra team|infrastructure team|org-wide|company-wide|"
    r"the org|the organi[sz]ation|partners"
)

_ALTERNATIVES_RE = re.compile(
    r"\b(?:considered|consider|considering|trade-?offs?|tradeoffs?|instead of|rather than|"
    r"versus|vs\.?|options?|alternatives?|alternatively|on the other hand|pros and cons|"
    r"weighed|weighing|evaluated|compared|comparing|the downside|downsides|the upside|"
    r"could have|another approach|other approach|ruled out|decided against|"
    r"the catch|at the cost of|in exchange for|we picked|i picked|went with)\b"
    r"|\bchose\b[^.]{0,60}?\bover\b",
    _FLAGS,
)

_SD_PATTERNS: dict[str, str] = {
    "requirements": r"requirements?|functional|non-functional|use cases?|clarify|clarifying|"
    r"in scope|out of scope|read-heavy|write-heavy|read heavy|write heavy|assume|assuming|"
    r"assumptions?|latency target|latency budget|sla|constraints?",
    "capacity": r"per second|rps|qps|tps|back of the envelope|back-of-the-envelope|estimate|"
    r"estimation|storage|bandwidth|peak|capacity|throughput|terabytes?|petabytes?|"
    r"gigabytes?|tb|pb|gb|daily active|dau|mau|(?:writes|reads|requests|queries) per",
    "api": r"api|apis|endpoints?|rest|restful|grpc|rpc|graphql|webhooks?|"
    r"request body|response body|interface|idempotency keys?|pagination|cursor",
    "data_model": r"schema|tables?|data model|primary key|foreign key|indexes|index|indices|"
    r"columns?|rows|documents?|key-value|key value|relational|nosql|sql|postgres|mysql|"
    r"dynamo(?:db)?|cassandra|entity|entities|records?|fields",
    "sharding": r"shard|shards|sharding|sharded|partition|partitions|partitioning|partitioned|"
    r"consistent hashing|hash ring|shard key|partition key|hot spots?|hotspots?|hot keys?|"
    r"hot partitions?|range-based|range based",
    "caching": r"cache|caches|caching|cached|redis|memcached?|cdn|ttl|eviction|lru|"
    r"write-through|write through|write-back|write-behind|cache-aside|invalidat\w*",
    "replication": r"replica|replicas|replication|replicated|replicate|leader|followers?|"
    r"primary|secondary|raft|paxos|consensus|quorum|multi-region|cross-region|"
    r"eventual consistency|eventually consistent|strong consistency|strongly consistent|"
    r"linearizable|zookeeper|etcd|leader election|read replicas?",
    "scaling": r"horizontal|horizontally|scale out|scales out|scale up|scale-out|stateless|"
    r"load balancer|load balancers|load balancing|autoscal\w*|auto-scal\w*|"
    r"add more (?:servers|nodes|machines|instances)|vertical|vertically|fan-?out|"
    r"message queue|queues?|kafka|async|asynchronous|workers",
    "failure_modes": r"fail|fails|failure|failures|failed|failover|fail over|goes down|go down|"
    r"dies|outage|outages|retry|retries|retrying|timeouts?|circuit breakers?|fallback|"
    r"degrade|degraded|degradation|graceful|gracefully|redundan\w*|backpressure|"
    r"back pressure|idempoten\w*|dead letter|crash|crashes|split brain|split-brain|"
    r"disaster recovery|recover|recovery|durab\w*|single point of failure|blast radius",
    "monitoring": r"monitor|monitoring|monitored|alert|alerts|alerting|dashboards?|"
    r"observability|tracing|traces|logging|logs|slos?|slis?|on-call|on call|pager|paging|"
    r"p99|p95|p50|error rate|error budget|health checks?|metrics",
}
_SD_RES = {topic: _words_re(_SD_PATTERNS[topic]) for topic in SD_TOPICS}

_LEADERSHIP_RE = _words_re(
    r"mentored|mentoring|mentor|coached|coaching|grew|growing|hired|hiring|led|leading|"
    r"drove|driving|aligned|alignment|strategy|strategic|roadmap|org-wide|company-wide|"
    r"vision|set the direction|set direction|influenced|convinced|persuaded|sponsored|"
    r"promoted|tech lead|technical lead|staff engineer|principal|rfc|design doc|design docs|"
    r"design review|standards|multi-year|headcount|onboarded|unblocked|delegated"
)

_I_RE = _words_re(r"i|i'm|i've|i'd|i'll|me|my|myself|mine")
_WE_RE = _words_re(r"we|we're|we've|we'd|we'll|us|our|ours|ourselves")

_SITUATION_RE = re.compile(
    r"\b(?:at my (?:last|previous|current|old) (?:company|job|team|role)|at the time|"
    r"back when|when i was|the (?:situation|context|background|problem|issue) was|"
    r"there was|we had a|i was working|our team (?:was|owned|had)|a few years ago|"
    r"last year|in \d{4})\b",
    _FLAGS,
)
_TASK_RE = re.compile(
    r"\b(?:my (?:job|goal|task|role|responsibility|mandate) was|the goal was|the task was|"
    r"i was (?:asked|responsible|tasked|hired|brought in)|i needed to|we needed to|"
    r"needed to|had to|i owned|i was the owner|set out to|the ask was)\b",
    _FLAGS,
)
_ACTION_RE = re.compile(
    r"\b(?:i|we)\s+(?:then\s+|first\s+|also\s+|personally\s+)?(?:built|wrote|designed|proposed|"
    r"led|drove|decided|implemented|created|started|set up|introduced|migrated|rewrote|"
    r"pushed|organized|organised|profiled|found|fixed|convinced|analy[sz]ed|added|changed|"
    r"moved|replaced|split|sharded|cached|automated|ran|measured|instrumented|negotiated|"
    r"hired|mentored|coached|shipped|launched|rolled out|refactored|debugged|traced|"
    r"prototyped|benchmarked|wrote up|presented|pitched|escalated|reduced|cut|improved|set|"
    r"defined|aligned|grew|owned|partnered|worked with|talked to|met with|built)\b",
    _FLAGS,
)
_RESULT_RE = re.compile(
    r"\b(?:as a result|the result|resulted in|in the end|ended up|the outcome|outcome was|"
    r"which (?:cut|reduced|saved|increased|improved|dropped|brought)|that (?:cut|reduced|"
    r"saved|increased|improved)|went from|dropped from|down from|up from|"
    r"(?:reduced|cut|increased|improved|saved|grew|lowered|raised|halved|doubled)\b[^.]{0,40}?"
    rf"(?:by|to|from)?\s?{_NUM})",
    _FLAGS,
)

_ORG_RE = re.compile(
    r"\b(?:org-wide|organi[sz]ation-wide|company-wide|across the (?:org|organi[sz]ation|company|"
    r"engineering org)|(?:whole|entire) (?:org|organi[sz]ation|company|engineering)|"
    r"(?:technical |engineering |platform |multi-year |org |our )?strategy|roadmap|"
    r"multi-year|vision|(?:several|multiple|many|\d+|three|four|five|six|seven|eight|ten) "
    r"teams|\d+[- ]engineer org|\d+ engineers)\b",
    _FLAGS,
)
_GROW_LEADERS_RE = re.compile(
    r"\b(?:mentored|coached|grew|developed|sponsored|promoted|hired|trained|helped)\b[^.]{0,80}?"
    r"\b(?:tech leads?|technical leads?|leaders?|managers?|senior engineers?|staff engineers?|"
    r"staff|senior|principal|leads)\b"
    r"|\b(?:became|become|promoted to|grew into|stepped up as)\b[^.]{0,30}?"
    r"\b(?:tech leads?|leads?|managers?|senior|staff)\b",
    _FLAGS,
)
_LED_REDESIGN_RE = re.compile(
    r"\b(?:i|we)\s+(?:led|drove|owned|architected|designed|ran|headed)\b|"
    r"\b(?:redesign|re-architect\w*|rearchitect\w*|rewrite|overhaul|migration|platform)\b",
    _FLAGS,
)


@dataclass
class AnswerSignals:
    text: str
    word_count: int
    metrics: list[str] = field(default_factory=list)
    business_outcomes: list[str] = field(default_factory=list)
    i_count: int = 0
    we_count: int = 0
    cross_team: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)
    scale: list[str] = field(default_factory=list)
    sd_topics: dict[str, list[str]] = field(default_factory=dict)
    leadership: list[str] = field(default_factory=list)
    structure: dict[str, bool] = field(default_factory=dict)
    scope_level: int = 0

    @property
    def ownership_ratio(self) -> float:
        """Share of first-person singular among first-person pronouns; 0.5 when there are none."""
        total = self.i_count + self.we_count
        return self.i_count / total if total else 0.5


def _lowered(text: str) -> str:
    """A lower-case copy with the same length, so match positions index the original text."""
    low = text.lower().replace("\u2019", "'")
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text).replace("\u2019", "'")


def _found(pattern: re.Pattern[str], text: str, low: str) -> list[str]:
    """Distinct matches (case-insensitively), first occurrence first, as written in ``text``."""
    seen: set[str] = set()
    out: list[str] = []
    for match in pattern.finditer(low):
        phrase = " ".join(text[match.start() : match.end()].split()).strip(" ,.;")
        key = phrase.lower()
        if phrase and key not in seen:
            seen.add(key)
            out.append(phrase)
    return out


def _scope_level(
    low: str,
    word_count: int,
    metrics: list[str],
    business: list[str],
    cross_team: list[str],
    structure: dict[str, bool],
) -> int:
    concrete = bool(metrics) or (structure["action"] and structure["result"] and word_count >= 40)
    if not concrete and word_count < 25:
        return 0
    if (metrics or business or cross_team) and _ORG_RE.search(low) and _GROW_LEADERS_RE.search(low):
        return 3
    reach = bool(cross_team) or bool(_LED_REDESIGN_RE.search(low))
    if business and metrics and reach:
        return 2
    return 1 if concrete else 0


def analyze_answer(text: str) -> AnswerSignals:
    """Signals of one answer (or of several answers joined); deterministic and fast."""
    text = text or ""
    low = _lowered(text)
    word_count = len(text.split())
    metrics = _found(_METRIC_RE, text, low)
    business = _found(_BUSINESS_RE, text, low)
    cross_team = _found(_CROSS_TEAM_RE, text, low)
    structure = {
        "situation": bool(_SITUATION_RE.search(low)),
        "task": bool(_TASK_RE.search(low)),
        "action": bool(_ACTION_RE.search(low)),
        "result": bool(metrics and business) or bool(_RESULT_RE.search(low)),
    }
    return AnswerSignals(
        text=text,
        word_count=word_count,
        metrics=metrics,
        business_outcomes=business,
        i_count=len(_I_RE.findall(low)),
        we_count=len(_WE_RE.findall(low)),
        cross_team=cross_team,
        alternatives=_found(_ALTERNATIVES_RE, text, low),
        scale=_found(_SCALE_RE, text, low),
        sd_topics={topic: _found(_SD_RES[topic], text, low) for topic in SD_TOPICS},
        leadership=_found(_LEADERSHIP_RE, text, low),
        structure=structure,
        scope_level=_scope_level(low, word_count, metrics, business, cross_team, structure),
    )


def _union(lists: list[list[str]]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for items in lists:
        for item in items:
            if item.lower() not in seen:
                seen.add(item.lower())
                out.append(item)
    return out


def merge_signals(parts: list[AnswerSignals]) -> AnswerSignals:
    """The signals of several answers taken together (a question and its follow-ups).

    Phrases are united, counts added, STAR parts or-ed; the scope level is the
    highest of the parts and of the united signals, so a story whose number
    came in a follow-up still counts as one story. Cheaper than analysing the
    joined text again, since each answer is analysed once.
    """
    if not parts:
        return analyze_answer("")
    if len(parts) == 1:
        return parts[0]
    text = " ".join(p.text for p in parts)
    merged = AnswerSignals(
        text=text,
        word_count=sum(p.word_count for p in parts),
        metrics=_union([p.metrics for p in parts]),
        business_outcomes=_union([p.business_outcomes for p in parts]),
        i_count=sum(p.i_count for p in parts),
        we_count=sum(p.we_count for p in parts),
        cross_team=_union([p.cross_team for p in parts]),
        alternatives=_union([p.alternatives for p in parts]),
        scale=_union([p.scale for p in parts]),
        sd_topics={t: _union([p.sd_topics.get(t, []) for p in parts]) for t in SD_TOPICS},
        leadership=_union([p.leadership for p in parts]),
        structure={
            k: any(p.structure.get(k, False) for p in parts)
            for k in ("situation", "task", "action", "result")
        },
    )
    united = _scope_level(
        _lowered(text),
        merged.word_count,
        merged.metrics,
        merged.business_outcomes,
        merged.cross_team,
        merged.structure,
    )
    merged.scope_level = max([united, *(p.scope_level for p in parts)])
    return merged


__all__ = ["SD_TOPICS", "AnswerSignals", "analyze_answer", "merge_signals"]
