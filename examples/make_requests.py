"""Generate examples/requests.jsonl: 200 support-ticket classification requests.

Every request shares one long system prompt (the classification policy) marked with a
1-hour ``cache_control`` breakpoint, as the Message Batches docs recommend for shared context,
and carries one customer ticket as the user message. Deterministic: re-running it rewrites
the same file.

    python examples/make_requests.py > examples/requests.jsonl
"""

import json
import random
import sys

CATEGORIES = {
    "billing": "Charges, invoices, refunds, payment methods, failed payments, tax documents, plan prices.",
    "account_access": "Login problems, password resets, two-factor authentication, locked or suspended accounts, SSO.",
    "bug_report": "Something in the product behaves incorrectly, crashes, shows an error, or loses data.",
    "feature_request": "The customer asks for a capability the product does not have, or a change to how it works.",
    "shipping": "Order status, delivery delays, tracking numbers, damaged or missing parcels, address changes.",
    "cancellation": "The customer wants to cancel, downgrade, pause or not renew a subscription or an order.",
    "integration": "APIs, webhooks, SDKs, third-party connectors, data import and export, rate limits.",
    "security": "Suspected compromise, phishing, vulnerability reports, data-protection or privacy requests.",
    "praise": "Positive feedback with no request for action.",
    "other": "Anything that fits none of the categories above; explain why in the reason field.",
}

PRIORITY = {
    "p1": "Production is down for the customer, money is being lost right now, or there is a security incident.",
    "p2": "A core workflow is blocked for one or more users but a workaround exists or the impact is contained.",
    "p3": "An inconvenience, a question, or a request with no time pressure.",
}

RULES = [
    "Read the whole ticket, including any quoted earlier messages, before deciding.",
    "Choose exactly one category: the one that names what the customer needs us to do next.",
    "A ticket that mentions a charge because of a bug is a bug_report when the fix is in the product, billing when the fix is a refund.",
    "Security always wins: if the ticket hints at a compromised account or leaked data, the category is security and the priority at least p2.",
    "Cancellation wins over billing when the customer asks to stop paying, even if they also dispute a charge.",
    "Do not infer a priority from the customer's tone alone; use the impact they describe.",
    "Enterprise customers (the ticket says so, or mentions an SLA or a contract number) are one priority level higher, never above p1.",
    "When a ticket is in a language other than English, classify it the same way and set language to its ISO 639-1 code.",
    "Never invent facts that are not in the ticket; when something is unclear, say so in the reason.",
    "The reason is one sentence, at most 25 words, written for a support agent, without the customer's personal data.",
    "Sentiment is positive, neutral or negative, judged from the customer's words about us, not about their own situation.",
    "Flag needs_human as true for legal threats, press enquiries, self-harm, or anything you are not confident about.",
]

EXAMPLES = [
    ("I was charged twice for my March invoice, please refund one of them.", "billing", "p3", "negative"),
    ("Since this morning none of our 40 agents can log in through Okta SSO. We have an SLA.", "account_access", "p1", "negative"),
    ("The export to CSV button does nothing in Firefox 128, works in Chrome.", "bug_report", "p3", "neutral"),
    ("Would love a dark mode for the mobile app!", "feature_request", "p3", "positive"),
    ("Someone changed my email address and I didn't do it. I can't get in.", "security", "p1", "negative"),
    ("Please cancel my subscription at the end of this billing period.", "cancellation", "p3", "neutral"),
    ("Your webhook retries are hammering our endpoint with 429s, we need a backoff setting.", "integration", "p2", "negative"),
    ("Just wanted to say your support team fixed my issue in 5 minutes. Amazing.", "praise", "p3", "positive"),
]

SUBJECTS = ["invoice", "refund", "login", "password", "export", "dashboard", "webhook", "API key", "parcel",
            "delivery", "subscription", "plan", "report", "mobile app", "SSO", "two-factor code", "data import",
            "search", "notifications", "calendar sync", "PDF download", "team seats", "tax receipt"]
PROBLEMS = [
    "has been broken since yesterday", "shows an error I don't understand", "charged me the wrong amount",
    "never arrived", "stopped working after the update", "is much slower than last week",
    "keeps logging me out", "duplicates every entry", "is missing from my account", "asks me to pay again",
]
ASKS = [
    "Can you fix this today?", "How do I get my money back?", "Is this a known issue?",
    "Please escalate, this is blocking our team.", "What are my options?", "Can you add this feature?",
    "I want to cancel if this is not solved.", "Thanks for looking into it.", "Who can I talk to about this?",
]
DETAILS = [
    "We are on the Business plan with 25 seats.", "I'm on the free trial.", "Our contract number is ENT-{n}.",
    "Order #{n} placed last Tuesday.", "Browser: Safari 18 on macOS.", "This happened three times this week.",
    "Error code E{n}.", "My colleague sees the same thing.", "I already tried clearing the cache.",
    "The amount was ${n}.00 instead of $49.00.",
]
GREETINGS = ["Hi,", "Hello team,", "Hey there,", "Good morning,", "To whom it may concern,", ""]
SIGNOFFS = ["Thanks", "Regards", "Cheers", "Best", "Sent from my phone", ""]


def system_prompt() -> str:
    lines = [
        "You are the ticket triage assistant of Northwind Cloud's customer support team. Every message you",
        "receive is one customer ticket. Classify it and answer with a single JSON object and nothing else:",
        '{"category": ..., "priority": "p1" | "p2" | "p3", "sentiment": "positive" | "neutral" | "negative",',
        ' "language": ISO 639-1 code, "needs_human": true | false, "reason": one sentence}.',
        "",
        "## Categories",
    ]
    lines += [f"- {name}: {desc}" for name, desc in CATEGORIES.items()]
    lines += ["", "## Priorities"]
    lines += [f"- {name}: {desc}" for name, desc in PRIORITY.items()]
    lines += ["", "## Rules"]
    lines += [f"{i}. {rule}" for i, rule in enumerate(RULES, 1)]
    lines += ["", "## Worked examples"]
    for text, cat, prio, sent in EXAMPLES:
        answer = {"category": cat, "priority": prio, "sentiment": sent, "language": "en",
                  "needs_human": prio == "p1", "reason": f"The customer's main need is {cat.replace('_', ' ')}."}
        lines += [f"Ticket: {text}", f"Answer: {json.dumps(answer)}", ""]
    lines += [
        "## Product notes",
        "Northwind Cloud sells a team workspace (documents, tasks, calendars, chat) on Free, Team, Business and",
        "Enterprise plans, billed monthly or yearly per seat, plus a hardware add-on (the Northwind Hub) shipped",
        "to offices in the EU, the UK and North America. Refunds for duplicate charges are automatic within",
        "5 business days; other refunds need an agent. SSO (SAML, OIDC) is on Business and Enterprise only.",
        "The public API is rate limited to 100 requests per second per workspace; webhooks retry 8 times with",
        "exponential backoff. Status of incidents is published on status.northwind.example.",
        "Known issues this month: CSV export in Firefox (fixed in 4.12), delayed calendar sync for Outlook",
        "accounts (investigating), and duplicate notifications on Android 15 (fix rolling out).",
    ]
    return "\n".join(lines)


def ticket(rng: random.Random) -> str:
    parts = [rng.choice(GREETINGS)]
    for _ in range(rng.randint(1, 3)):
        parts.append(f"My {rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)}.")
        if rng.random() < 0.6:
            parts.append(rng.choice(DETAILS).format(n=rng.randint(1000, 99999)))
    parts.append(rng.choice(ASKS))
    parts.append(rng.choice(SIGNOFFS))
    return " ".join(p for p in parts if p)


def main(n: int = 200, out=sys.stdout) -> None:
    rng = random.Random(20261121)
    system = [{"type": "text", "text": system_prompt(), "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
    for i in range(1, n + 1):
        req = {"custom_id": f"ticket-{i:05d}",
               "params": {"model": "claude-sonnet-4-6", "max_tokens": 150, "system": system,
                          "messages": [{"role": "user", "content": ticket(rng)}]}}
        out.write(json.dumps(req, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
