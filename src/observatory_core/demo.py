"""A deterministic, entirely FICTIONAL demonstration corpus of case reviews.

``build_demo_corpus`` invents reviews (a ``ReviewRecord`` each, coded from the shipped
vocabularies and set in local authorities that existed at the time) together with the
documents such a review produces: overview reports, executive summaries, individual
management reviews (IMRs) and chronologies. ``write_demo_files`` renders them as PDF
(reportlab) and DOCX (python-docx) so lists, filters and charts have something to show, and so
ingestion code has realistic material with a known answer: each document keeps the
recommendations it prints (``DemoDocument.recommendations``) and the invented identifiers it
contains (``DemoDocument.personal_data``).

Nothing here describes a real child, family or case. The people are only 'Child X', 'Mother',
'Father', 'Mr B' (the mother's partner), 'Sibling 1' and professional roles; the identifiers
are from ranges reserved for fiction or testing (01632 960 / 07700 900 telephone numbers,
ZZ99 postcodes, NHS numbers beginning 999). Every document says
'FICTIONAL DEMONSTRATION DOCUMENT' in its first line, its title and on every page.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

from .dataset import ReviewRecord
from .vocab import Term, Vocabulary, load_vocabularies

MARKER = "FICTIONAL DEMONSTRATION DOCUMENT"
FIRST_YEAR = 2008
LAST_YEAR = 2025
# Nothing in the corpus happens after this day, so the output never depends on today's date.
AS_OF = date(2025, 12, 31)
# Safeguarding partners replaced LSCBs: reviews decided from this year are not SCRs.
FIRST_PARTNERSHIP_YEAR = 2019

Fmt = Literal["pdf", "docx"]


# --------------------------------------------------------------------------- data classes


@dataclass
class DemoSection:
    """A heading and its body. ``style`` says how the paragraphs are laid out: 'text',
    'bullets', or 'numbered' (numbers added by the renderer, as Word list numbering does).
    ``table`` rows follow the paragraphs; the first row is the header row."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    level: int = 1
    style: Literal["text", "bullets", "numbered"] = "text"
    table: list[list[str]] | None = None


@dataclass
class DemoDocument:
    kind: str  # a document_kind code
    title: str
    filename: str
    fmt: Fmt
    sections: list[DemoSection]
    # Lines printed under the title on the first page (board, date, disclaimer ...).
    front_matter: list[str] = field(default_factory=list)
    # Ground truth: (number as printed, e.g. '1.', '2.3', '(b)', 'R4', 'Recommendation 3:',
    # or '' when unnumbered; addressee agency code; text as printed after the number).
    recommendations: list[tuple[str, str, str]] = field(default_factory=list)
    # Ground truth: (kind, value) of every invented identifier printed in the document;
    # kinds are 'date_of_birth', 'postcode', 'phone', 'nhs_number'.
    personal_data: list[tuple[str, str]] = field(default_factory=list)
    agency: str | None = None  # author agency code of an IMR
    page_numbers: Literal["n_of_m", "n"] = "n_of_m"


@dataclass
class DemoReview:
    record: ReviewRecord
    documents: list[DemoDocument]


# --------------------------------------------------------------------------- phrase banks
# Placeholders: {child}, {their} (child's possessive), {role} (a professional), {month}.

AGENCY_HINTS: dict[str, tuple[str, ...]] = {
    # hint -> words looked for in an agency term's code, label and aliases (in this order).
    "board": ("safeguarding children board", "lscb", "safeguarding partnership"),
    "csc": ("children's social care", "social work"),
    "police": ("police",),
    "health_visiting": ("health visiting", "health visitor"),
    "gp": ("gp", "general practice"),
    "midwifery": ("midwifery", "maternity services"),
    "hospital": ("emergency department", "hospital"),
    "camhs": ("camhs",),
    "adult_mh": ("adult mental health services", "mental health trust"),
    "education": ("school", "education"),
    "early_years": ("nursery", "children's centre"),
    "housing": ("housing",),
    "probation": ("probation",),
    "youth_offending": ("youth offending team", "youth justice service"),
    "drugs": ("substance misuse service", "drug and alcohol"),
    "adult_social_care": ("adult social care",),
    "voluntary": ("voluntary sector", "voluntary organisation"),
    "commissioner": ("clinical commissioning group", "integrated care board"),
    "government": ("department for education", "government"),
}

ROLES: dict[str, tuple[str, ...]] = {
    "csc": ("the allocated social worker", "the team manager", "a duty social worker",
            "the social work assistant", "the child protection conference chair"),
    "police": ("a police officer", "the officer in the case", "a MASH police researcher",
               "a response officer"),
    "health_visiting": ("the health visitor", "the community nursery nurse"),
    "gp": ("the GP", "the practice nurse", "a locum GP"),
    "midwifery": ("the community midwife", "the specialist safeguarding midwife"),
    "hospital": ("the emergency department doctor", "the paediatric registrar",
                 "the ward sister", "the hospital safeguarding nurse"),
    "camhs": ("the CAMHS clinician", "the CAMHS duty worker"),
    "adult_mh": ("the community psychiatric nurse", "the perinatal mental health nurse"),
    "education": ("the designated safeguarding lead", "the class teacher",
                  "the head of year", "the school nurse", "the attendance officer"),
    "early_years": ("the nursery key worker", "the children's centre worker"),
    "housing": ("the housing officer", "the tenancy support worker"),
    "probation": ("the probation officer",),
    "youth_offending": ("the youth justice worker",),
    "drugs": ("the recovery worker", "the substance misuse worker"),
    "adult_social_care": ("the adult social worker",),
    "voluntary": ("the family support worker", "the domestic abuse advocate"),
}

GROUPS = ("infant", "young", "school", "teen")

# (group, outcome, primary abuse category, phrase completing "Child K ...").
INCIDENTS: tuple[tuple[str, str, str, str], ...] = (
    ("infant", "death", "physical_abuse", "died from head injuries that were found not to be "
     "accidental"),
    ("infant", "death", "neglect", "died after being found unresponsive while sharing a sofa "
     "with a parent who had been drinking"),
    ("infant", "death", "neglect", "died at home; the post-mortem found signs of long-standing "
     "neglect and poor weight gain"),
    ("infant", "serious_harm", "physical_abuse", "was admitted to hospital with rib fractures "
     "and bruising that were found to be non-accidental"),
    ("infant", "serious_harm", "physical_abuse", "suffered a serious head injury while in the "
     "care of an adult in the household"),
    ("infant", "serious_harm", "neglect", "was admitted to hospital severely underweight and "
     "dehydrated"),
    ("young", "death", "physical_abuse", "died from abdominal injuries inflicted at home"),
    ("young", "death", "neglect", "died after swallowing medication that had been left within "
     "reach"),
    ("young", "serious_harm", "physical_abuse", "was found to have burns and bruises of "
     "different ages"),
    ("young", "serious_harm", "neglect", "was found living in conditions of severe neglect "
     "with untreated dental and medical needs"),
    ("young", "serious_harm", "sexual_abuse", "was found to have been sexually abused by an "
     "adult known to the family"),
    ("school", "death", "physical_abuse", "died after an assault by an adult in the household"),
    ("school", "death", "neglect", "died after a medical condition went untreated for many "
     "months"),
    ("school", "serious_harm", "emotional_abuse", "was found to have been kept at home, "
     "isolated and frequently punished, for a long period"),
    ("school", "serious_harm", "sexual_abuse", "disclosed sexual abuse by an adult who "
     "visited the home"),
    ("school", "serious_harm", "neglect", "was found to have been living without adequate "
     "food, heating or supervision"),
    ("teen", "death", "emotional_abuse", "died in circumstances suggesting suicide"),
    ("teen", "death", "neglect", "died after taking illicit drugs supplied by adults"),
    ("teen", "death", "physical_abuse", "died after being stabbed in a dispute linked to "
     "criminal exploitation"),
    ("teen", "serious_harm", "sexual_abuse", "was sexually exploited by a group of adults over "
     "many months"),
    ("teen", "serious_harm", "physical_abuse", "was seriously injured in an assault after "
     "repeatedly going missing"),
    ("teen", "serious_harm", "emotional_abuse", "self-harmed seriously after a long period of "
     "emotional abuse at home"),
)

# theme -> finding titles, analysis sentences, lessons, recommendation actions.
# Actions complete "<agency> should ..."; they start with a bare verb.
THEMES: dict[str, dict[str, tuple[str, ...]]] = {
    "assessment": {
        "title": ("Assessments did not draw the history together",
                  "The quality of assessment",
                  "Assessment focused on the present episode rather than the pattern"),
        "text": (
            "Each assessment of {child} started afresh and relied on what Mother said at the "
            "time, so the history held by other agencies was never brought together.",
            "The single assessment completed by the social worker was timely but descriptive; "
            "it recorded the family's account without testing it against earlier concerns.",
            "The panel found that risk was assessed incident by incident, and the cumulative "
            "effect of repeated low-level concerns was missed.",
            "Where assessments did identify risk, the plans that followed did not say who would "
            "do what by when, or how the family's progress would be measured.",
            "No assessment considered the adults who were in the household part of the time, "
            "including Mr B.",
            "Practitioners interviewed for the review said that assessment timescales pushed "
            "them towards completing forms rather than analysing what the information meant.",
            "The review saw good recording of facts but little analysis of what those facts "
            "meant for {child}'s daily life.",
        ),
        "lesson": (
            "Assessment must be a continuing process that revisits the history whenever new "
            "information arrives.",
            "Every adult who has a caring role for a child should be included in an assessment, "
            "whether or not they live in the household full time.",
        ),
        "action": (
            "ensure that assessments include a summary of the family's history with every "
            "agency and an analysis of what it means for the child",
            "audit a sample of assessments of children under one each quarter to check that "
            "all adults in the household have been assessed",
            "revise its assessment guidance so that plans state the expected change, the "
            "timescale and the consequence if change does not happen",
            "provide training for practitioners on analysing cumulative harm in assessments",
        ),
    },
    "information_sharing": {
        "title": ("Information was held by agencies but not shared",
                  "Information sharing between agencies",
                  "Agencies knew parts of the picture"),
        "text": (
            "Several agencies held information that, taken together, would have given a clear "
            "picture of risk to {child}, but no single agency held it all.",
            "Police information about domestic incidents at the address was not passed to "
            "{role} before the home visit in {month}.",
            "The GP practice was not invited to the strategy discussion and did not receive "
            "the minutes, so the family's medical history was not considered.",
            "Practitioners were uncertain whether they could share information without Mother's "
            "consent, and in two instances decided that they could not.",
            "Referrals were sent by email to a generic inbox and there was no confirmation that "
            "they had been received or acted upon.",
            "When the family moved, the transfer of records between health visiting teams took "
            "nine weeks, during which no visits were made.",
            "Information was shared, but often as a copy of a record rather than a conversation "
            "about what it meant.",
        ),
        "lesson": (
            "Concerns about consent must not prevent information being shared where a child "
            "may be at risk of significant harm.",
            "Sharing information is not the same as communicating; a telephone conversation "
            "can achieve what an email cannot.",
        ),
        "action": (
            "remind all staff that information may be shared without consent where a child may "
            "be at risk of significant harm, and audit compliance within six months",
            "ensure that GPs are invited to strategy discussions and child protection "
            "conferences and receive the minutes",
            "introduce a system that confirms receipt of every referral and records the "
            "decision taken",
            "review its procedures for transferring records when a family moves between areas",
            "ensure that police information about domestic abuse incidents is shared with "
            "health visitors and schools within one working day",
        ),
    },
    "escalation": {
        "title": ("Professional disagreement was not escalated",
                  "Escalation and challenge",
                  "Practitioners did not challenge decisions"),
        "text": (
            "{role} disagreed with the decision to close the case but did not use the "
            "escalation policy, and the disagreement was not recorded.",
            "The review found that few practitioners knew the partnership's escalation "
            "procedure existed, and none had used it in the previous year.",
            "When a second referral was not accepted, the referring agency did not challenge "
            "the decision or ask for the reasons in writing.",
            "Practitioners described a culture in which questioning another agency's decision "
            "felt like criticism of colleagues.",
            "Escalation that did happen went to line managers and stopped there, without "
            "reaching anyone able to change the decision.",
        ),
        "lesson": (
            "Professional challenge is part of safe practice and should be expected, "
            "supported and recorded.",
            "A referrer who disagrees with a decision should escalate it rather than wait for "
            "the next incident.",
        ),
        "action": (
            "relaunch the escalation policy and report the number of escalations and their "
            "outcomes to the partnership every six months",
            "ensure that every practitioner knows how to escalate a disagreement about a "
            "decision on a referral",
            "record every professional disagreement and its resolution on the child's record",
        ),
    },
    "voice_of_child": {
        "title": ("The voice and daily experience of the child",
                  "{child} was not seen or heard",
                  "What life was like for the child"),
        "text": (
            "{child} was seldom seen alone, and the records say little about what {their} day "
            "to day life was like.",
            "Visits were arranged in advance and took place in the living room with Mother "
            "present, so {child} had no opportunity to speak freely.",
            "When {child} did say that things were difficult at home, the comment was recorded "
            "but not explored.",
            "Practitioners focused on the needs of the adults, particularly Mother's, and the "
            "child became a secondary concern.",
            "The review heard that {child}'s behaviour was itself a form of communication that "
            "was interpreted as a behavioural problem rather than a sign of distress.",
            "School staff knew {child} well and noticed changes, but their observations were "
            "not sought by the agencies leading the work.",
        ),
        "lesson": (
            "Children should be seen, and where possible seen alone, and their words recorded "
            "as they said them.",
            "A child's behaviour should be understood as communication about their experience.",
        ),
        "action": (
            "ensure that practitioners see children alone at every statutory visit and record "
            "their wishes and feelings in their own words",
            "include the child's lived experience as a required section of every assessment "
            "and plan",
            "audit how well the voice of the child is recorded in case files and report the "
            "findings to the partnership",
        ),
    },
    "supervision": {
        "title": ("Supervision and management oversight",
                  "The role of supervision",
                  "Management oversight did not provide challenge"),
        "text": (
            "{role} had supervision regularly, but the records show case management decisions "
            "rather than reflection on risk.",
            "The team manager signed off the assessment without comment, although it did not "
            "address the concerns raised at the strategy discussion.",
            "High caseloads and staff turnover meant that {child}'s case had four different "
            "social workers in eighteen months.",
            "Safeguarding supervision for health staff was available but was not used to "
            "discuss this family, because the concerns were thought to be low level.",
            "There was no evidence that managers considered whether the plan was working.",
        ),
        "lesson": (
            "Supervision should provide space to reflect on what is known and to challenge "
            "assumptions, not only to agree tasks.",
        ),
        "action": (
            "ensure that supervision records show reflection on risk and the rationale for "
            "decisions",
            "review caseloads and the continuity of allocated workers for children on plans",
            "ensure that safeguarding supervision includes cases where low-level concerns have "
            "persisted for more than three months",
        ),
    },
    "thresholds": {
        "title": ("Thresholds and the response to referrals",
                  "Application of thresholds",
                  "Referrals did not meet the threshold"),
        "text": (
            "Five referrals were made over two years; each was assessed as below the threshold "
            "for statutory services and signposted to early help, which the family declined.",
            "The threshold document was applied to each referral in isolation rather than to "
            "the pattern of referrals as a whole.",
            "The decision not to hold a strategy discussion after the injury in {month} was not "
            "consistent with the partnership's procedures.",
            "Practitioners in universal services reported that they had stopped referring "
            "because previous referrals had not been accepted.",
            "Early help was offered on a voluntary basis, and when Mother did not engage there "
            "was no mechanism to step the case back up.",
        ),
        "lesson": (
            "Repeated referrals are themselves a sign of concern and should trigger a review "
            "of the whole history.",
            "When a family declines early help, the reasons for the original concern remain.",
        ),
        "action": (
            "review the application of the threshold document to repeat referrals about "
            "neglect",
            "ensure that a third referral within twelve months triggers a multi-agency review "
            "of the history",
            "agree a procedure for stepping cases up when families do not engage with early "
            "help",
        ),
    },
    "curiosity": {
        "title": ("Professional curiosity and disguised compliance",
                  "Accepting parental explanations",
                  "Respectful uncertainty"),
        "text": (
            "Mother's explanations were accepted without question, even when they changed "
            "between one practitioner and the next.",
            "Appointments were kept just often enough to reassure professionals, a pattern the "
            "review recognises as disguised compliance.",
            "Practitioners saw a tidy home on announced visits and concluded that concerns about "
            "neglect had been resolved.",
            "Nobody asked who else was living at the address, although men's clothing and "
            "shoes were seen during a visit in {month}.",
            "Optimism about the family's capacity to change led practitioners to overlook the "
            "evidence that little had changed.",
        ),
        "lesson": (
            "Professional curiosity means testing what families say against what is seen, and "
            "against what others know.",
            "Announced visits show a family at its best; unannounced visits are part of a "
            "proportionate response.",
        ),
        "action": (
            "deliver training on professional curiosity and disguised compliance to all "
            "frontline practitioners",
            "ensure that plans include unannounced visits where neglect is a concern",
            "develop practice guidance on responding to families who appear to engage but do "
            "not change",
        ),
    },
    "male_carers": {
        "title": ("The invisibility of men in the household",
                  "Mr B was not known to professionals",
                  "Fathers and male carers"),
        "text": (
            "Mr B had a history of violence towards previous partners that was known to "
            "police and probation, but not to the agencies working with Mother.",
            "Father was not contacted by any agency, although he saw {child} regularly.",
            "Practitioners described Mr B as a visitor, and no agency asked about his role in "
            "caring for {child}.",
            "Antenatal and health visiting records name only Mother; the men in {child}'s life "
            "are absent from the records.",
            "When Mr B was present during visits he answered questions on Mother's behalf, and "
            "this was not recognised as a possible sign of control.",
        ),
        "lesson": (
            "Every man who has contact with a child should be identified, and his history "
            "known, as part of the assessment.",
        ),
        "action": (
            "ensure that practitioners identify and engage fathers and male carers and record "
            "their details",
            "include checks on new partners in the procedures for assessing children on plans",
            "develop guidance for practitioners on engaging fathers and male carers",
        ),
    },
    "domestic_abuse": {
        "title": ("Domestic abuse", "The impact of domestic abuse on the child",
                  "Responses to domestic abuse"),
        "text": (
            "Police attended the address on several occasions after reports of domestic abuse; "
            "each incident was risk assessed as standard and not shared with health services.",
            "The repeated domestic abuse incidents were treated as matters between adults "
            "rather than as harm to {child}.",
            "Mother's retraction of her complaints was taken as a sign that the risk had "
            "reduced.",
            "A referral to the multi-agency risk assessment conference was considered but not "
            "made.",
            "Specialist domestic abuse support was offered but Mother was never seen without Mr "
            "B present.",
        ),
        "lesson": (
            "Children living with domestic abuse are victims in their own right.",
            "A victim's retraction does not reduce the risk to the children in the household.",
        ),
        "action": (
            "ensure that every domestic abuse incident in a household with children is notified "
            "to the school or health visitor within one working day",
            "review its domestic abuse risk assessment practice where incidents are repeated",
            "ensure that practitioners speak to victims of domestic abuse alone",
        ),
    },
    "mental_health": {
        "title": ("Parental mental health", "Mother's mental health",
                  "Adult services and the think family approach"),
        "text": (
            "Mother's mental health deteriorated after {child}'s birth, and she was seen by "
            "adult mental health services, which did not consider the impact on the children.",
            "The perinatal mental health team closed the case after two missed appointments "
            "without informing the health visitor.",
            "Adult services recorded that Mother was a parent but did not ask who was caring "
            "for the children during her admissions.",
            "The GP prescribed antidepressants and recorded low mood, but the records do not "
            "show any enquiry about the children.",
        ),
        "lesson": (
            "Adult services should always consider the impact of a parent's illness on the "
            "children in their care.",
        ),
        "action": (
            "ensure that adult mental health assessments record the parent's children and "
            "consider the impact of the illness on them",
            "inform the health visitor or school when a parent disengages from mental health "
            "services",
        ),
    },
    "substance_misuse": {
        "title": ("Parental substance misuse", "Alcohol and drug use in the household",
                  "The impact of substance misuse on parenting"),
        "text": (
            "Mother's alcohol use was known to the GP and to the recovery service, but its "
            "impact on her care of {child} was not assessed.",
            "Drug testing was agreed at the child protection conference but never carried out.",
            "Practitioners accepted Mother's report that she had stopped drinking, although "
            "police attended the home twice in the following month.",
            "The recovery service closed the case when Mother missed appointments, without "
            "informing children's social care.",
        ),
        "lesson": (
            "Self-reported abstinence should be tested, and its effect on parenting observed.",
        ),
        "action": (
            "ensure that substance misuse services notify the lead professional when a parent "
            "disengages",
            "ensure that plans for children of parents who misuse substances include "
            "objective measures of change",
        ),
    },
    "safe_sleep": {
        "title": ("Safe sleeping advice", "Unsafe sleeping arrangements",
                  "Advice to parents about sleep"),
        "text": (
            "Safe sleeping advice was given to Mother by the midwife and the health visitor, "
            "but it was not tailored to the family's circumstances, including alcohol use.",
            "Nobody gave safe sleeping advice to Father or Mr B, who sometimes cared for "
            "{child} overnight.",
            "The family did not have a cot for {child} for the first weeks, and this was noted "
            "but not followed up.",
            "Practitioners did not ask where {child} slept on the nights when routines changed, "
            "such as visits to relatives.",
        ),
        "lesson": (
            "Safe sleeping advice should be given to every carer and repeated when "
            "circumstances change.",
        ),
        "action": (
            "ensure that safe sleeping advice is given to every carer of a baby and tailored "
            "to risks such as alcohol or drug use",
            "check where and how the baby sleeps at every home visit in the first six months",
        ),
    },
    "bruising": {
        "title": ("Bruising in a non-mobile baby", "The response to minor injuries",
                  "Application of the bruising protocol"),
        "text": (
            "A small bruise on {child}'s face was seen by {role} when {child} was four months "
            "old; Mother's explanation was accepted and the bruising protocol was not followed.",
            "The partnership's protocol requires any bruise on a non-mobile baby to be referred "
            "for a paediatric assessment, but not all practitioners knew of it.",
            "A minor injury seen at the walk-in centre was recorded but not shared with the "
            "health visitor or the GP.",
            "The review considers that the earlier injury was a sentinel injury, and that a "
            "medical assessment then might have changed the course of events.",
        ),
        "lesson": (
            "Bruising in a baby who is not yet mobile is rare and must always be assessed by a "
            "paediatrician.",
        ),
        "action": (
            "ensure that all frontline staff know and follow the protocol for bruising in "
            "non-mobile babies",
            "audit compliance with the bruising protocol and report to the partnership",
        ),
    },
    "neglect_drift": {
        "title": ("Drift in the response to neglect", "Chronic neglect",
                  "The plan did not change things for the child"),
        "text": (
            "Concerns about neglect were recorded by universal services over several years, "
            "with periods of improvement followed by decline.",
            "{child} remained on a child in need plan for two years without a clear view of "
            "whether things were improving.",
            "The neglect assessment tool was available but was not used, so there was no "
            "baseline against which to measure change.",
            "Poor school attendance, missed health appointments and {child}'s appearance were "
            "each noted by a different agency.",
        ),
        "lesson": (
            "Neglect needs a long view: plans should measure change against a baseline and "
            "escalate when change does not last.",
        ),
        "action": (
            "ensure that a neglect assessment tool is used for all children on plans where "
            "neglect is the main concern",
            "review children who have been on child in need plans for more than twelve months",
        ),
    },
    "exploitation": {
        "title": ("Exploitation and harm outside the home", "Going missing",
                  "The response to contextual risk"),
        "text": (
            "{child} went missing many times in the months before the incident; return home "
            "interviews were offered but seldom completed.",
            "Practitioners saw {child} as making choices rather than as a child being "
            "exploited.",
            "Information about adults associated with {child} was held by police but not "
            "discussed at the exploitation meeting.",
            "The response focused on {child}'s behaviour at home rather than on the places and "
            "people where the risk lay.",
            "{child} was excluded from school in {month}, which removed a protective routine "
            "and increased time spent with older peers.",
        ),
        "lesson": (
            "Children who are exploited are victims, and the language used about them should "
            "say so.",
            "Exclusion from school can increase the risk of exploitation.",
        ),
        "action": (
            "ensure that return home interviews are completed within 72 hours of a child "
            "returning from a missing episode",
            "develop a contextual safeguarding approach to places and groups of concern",
            "consider the risk of exploitation before excluding a child known to be at risk",
        ),
    },
    "education": {
        "title": ("The role of school", "School attendance and elective home education",
                  "What school knew"),
        "text": (
            "{child}'s attendance fell to below half in the year before the incident, and the "
            "school's attendance procedures were followed slowly.",
            "The school knew more about {child} than any other agency but was not invited to "
            "the core group.",
            "When {child} was withdrawn for elective home education, no agency saw {child} "
            "again before the incident.",
            "The designated safeguarding lead made a referral but did not receive feedback and "
            "did not follow it up.",
        ),
        "lesson": (
            "Schools are often the agency that sees a child most; they should be part of every "
            "plan.",
        ),
        "action": (
            "ensure that schools are invited to all meetings about children on their roll",
            "ensure that children who are withdrawn for elective home education are seen "
            "within twenty school days when they are known to social care",
        ),
    },
    "child_mental_health": {
        "title": ("The child's emotional wellbeing", "Access to mental health support",
                  "Self-harm and emotional distress"),
        "text": (
            "{child} was referred to CAMHS twice; both referrals were declined as not meeting "
            "the criteria, and the referrer was advised to seek school counselling.",
            "Episodes of self-harm were treated as separate events rather than a pattern of "
            "escalating distress.",
            "{child}'s distress was attributed to adolescence rather than to what was "
            "happening at home.",
            "The waiting time for an assessment was eleven months.",
        ),
        "lesson": (
            "Repeated self-harm is a sign of serious distress and needs a coordinated "
            "multi-agency response.",
        ),
        "action": (
            "ensure that declined referrals to child mental health services are discussed with "
            "the referrer and an alternative plan agreed",
            "review waiting times for emotional health assessments for children known to "
            "social care",
        ),
    },
}

# Generic sentences, used with the themed ones so long reports do not repeat themselves.
PRACTICE_CONTEXT = (
    "Practitioners told the review that they were working with high caseloads at the time, and "
    "that visits were often rearranged at short notice.",
    "{role} described feeling that the family were already well known to other services and "
    "that someone else would be holding the overall picture.",
    "The records show that each practitioner acted in good faith, within the procedures as they "
    "understood them.",
    "Several practitioners said that they had not met each other before the review, although "
    "they were working with the same family at the same time.",
    "The panel heard that staff turnover in the team during this period was high, and that "
    "agency staff covered a number of vacant posts.",
    "Reorganisation of the service in {month} changed team boundaries, and the case was "
    "transferred twice in quick succession.",
    "{role} recalled that Mother was friendly and appeared to be coping, which shaped the way "
    "later concerns were understood.",
    "The review found no evidence that any single decision caused the outcome; rather, a series "
    "of small decisions reinforced one another.",
    "It is easy with hindsight to see a pattern that was not visible to practitioners at the "
    "time, and the panel has tried to avoid hindsight bias.",
    "Electronic recording systems did not allow practitioners in one agency to see alerts held "
    "by another, so each relied on what they were told.",
    "Practitioners were not always clear which agency was the lead, and meetings ended without "
    "a named person responsible for each action.",
    "The panel noted that the procedures in place were sound, but that they were not always "
    "followed, and the reasons for this are explored below.",
    "Managers reviewed the case at key points but tended to agree with the practitioner's "
    "assessment rather than test it.",
    "The family's frequent changes of address made continuity difficult, and each new service "
    "started with little history.",
    "{role} said that the family's difficulties felt typical of many on the caseload, which made "
    "it harder to see when risk was increasing.",
    "Referrals were written clearly but did not always say what the referrer wanted to happen "
    "as a result.",
    "The review recognises the pressure on universal services during this period and the "
    "commitment shown by the staff involved.",
    "Core group meetings were held, but attendance was inconsistent and minutes were not always "
    "circulated.",
    "Interpreting services were not needed, but practitioners said that they rarely asked about "
    "the family's culture, faith or identity.",
    "The panel considered whether a different response at that point would have altered events, "
    "and concluded that it might have done.",
)

HISTORY_COMMENTS = (
    "The review considers this a missed opportunity.",
    "This was appropriate at the time.",
    "There is no record that this was discussed with other agencies.",
    "The significance of this was not recognised.",
    "No plan was made to follow this up.",
    "This information was not shared with the health visitor or the school.",
    "The record is brief and does not say who else was present.",
    "This was in line with the agency's procedures.",
    "{role} later told the review that this had worried them at the time.",
    "Nobody spoke to {child} about what had happened.",
    "",
    "",
)

THEME_NAMES = {
    "assessment": "the quality of assessment",
    "information_sharing": "information sharing between agencies",
    "escalation": "escalation and professional challenge",
    "voice_of_child": "the voice and lived experience of the child",
    "supervision": "supervision and management oversight",
    "thresholds": "the application of thresholds",
    "curiosity": "professional curiosity and disguised compliance",
    "male_carers": "fathers and male carers",
    "domestic_abuse": "the response to domestic abuse",
    "mental_health": "parental mental health",
    "substance_misuse": "parental substance misuse",
    "safe_sleep": "safe sleeping advice",
    "bruising": "bruising in non-mobile babies",
    "neglect_drift": "drift in the response to neglect",
    "exploitation": "exploitation and going missing",
    "education": "the role of school",
    "child_mental_health": "the child's emotional wellbeing",
}

GOOD_PRACTICE = (
    "The health visitor's records were detailed and clearly dated.",
    "The school's designated safeguarding lead made timely referrals and kept careful notes.",
    "Police officers responded quickly to the incident and secured medical help for {child}.",
    "Hospital staff recognised the signs of non-accidental injury promptly and followed the "
    "child protection procedures.",
    "The allocated social worker built a good relationship with Sibling 1.",
    "The midwife made a referral before the birth when concerns first arose.",
    "The GP practice held regular safeguarding meetings with the health visiting team.",
    "The family support worker visited frequently and was persistent when the family did not "
    "respond.",
    "Agencies contributed fully and openly to the review, and practitioners gave their time "
    "generously.",
    "Sibling 1 was quickly placed with relatives and has been well supported since.",
)

# Events: (agency hint, groups or '' for all, themes it illustrates, text).
EVENTS: tuple[tuple[str, str, str, str], ...] = (
    ("midwifery", "infant", "assessment", "Booking appointment at 20 weeks of pregnancy. Mother "
     "said the pregnancy was unplanned and that she had little support."),
    ("midwifery", "infant", "male_carers", "Antenatal appointment. Mother attended alone; she "
     "said the father of the baby was not involved. Mr B was not mentioned."),
    ("hospital", "infant", "assessment", "{child} born at 36 weeks. Discharged home with Mother "
     "after two days."),
    ("health_visiting", "infant", "safe_sleep", "New birth visit by the health visitor. Safe "
     "sleeping advice given to Mother. {child} was sleeping in a pram in the living room."),
    ("health_visiting", "infant", "curiosity", "Health visitor called twice; no answer. A card "
     "was left asking Mother to make contact."),
    ("gp", "infant", "mental_health", "Mother saw the GP with low mood and poor sleep. "
     "Antidepressants prescribed. No record of enquiry about the baby."),
    ("hospital", "infant", "bruising", "{child} taken to the walk-in centre with a small bruise "
     "on the cheek. Mother said Sibling 1 had dropped a toy. Discharged."),
    ("gp", "infant", "assessment", "Six-week check. Weight below the expected centile; review in "
     "four weeks advised. Mother did not attend the review."),
    ("police", "", "domestic_abuse", "Police called by a neighbour to reports of shouting at the "
     "address. Mother and Mr B present; both said it was a verbal argument. Risk assessed as "
     "standard."),
    ("police", "", "domestic_abuse", "Mother reported that Mr B had assaulted her. She later "
     "withdrew her statement. No further action."),
    ("csc", "", "thresholds", "Referral received from the police about domestic abuse. Assessed "
     "as not meeting the threshold; letter sent to Mother with details of support services."),
    ("csc", "", "assessment", "Single assessment started after a referral from school. Home "
     "visit arranged in advance; the home was found to be clean and tidy."),
    ("csc", "", "supervision", "Case transferred to a new social worker following staff "
     "changes. No handover meeting recorded."),
    ("csc", "", "information_sharing", "Strategy discussion held by telephone between "
     "children's social care and police. Health was not represented."),
    ("csc", "", "neglect_drift", "Child in need review. Mother said things were better. The plan "
     "was continued without change."),
    ("csc", "", "escalation", "Case closed to children's social care. The school's view was not "
     "sought before closure."),
    ("early_years", "young", "neglect_drift", "Nursery recorded that {child} arrived hungry and in "
     "unwashed clothes on several days this month."),
    ("health_visiting", "young", "neglect_drift", "Two-year developmental review. Speech "
     "delayed; referral to speech and language therapy made. Family did not attend."),
    ("gp", "", "curiosity", "{child} not brought to two GP appointments. No follow-up "
     "recorded."),
    ("housing", "", "information_sharing", "Family moved to temporary accommodation after "
     "eviction for rent arrears. New address not notified to health services."),
    ("education", "school", "education", "School attendance officer wrote to Mother about "
     "attendance of 78 per cent. No reply received."),
    ("education", "school", "voice_of_child", "{child} told a teaching assistant that Mr B "
     "'shouts all the time'. Recorded on the school's safeguarding system."),
    ("education", "school", "escalation", "Designated safeguarding lead referred concerns to "
     "children's social care. No feedback received."),
    ("education", "teen", "exploitation", "{child} excluded from school for five days after "
     "being found with a large sum of cash."),
    ("police", "teen", "exploitation", "{child} reported missing by Mother. Found the next day "
     "in another town with older young people."),
    ("police", "teen", "exploitation", "{child} stopped by police in the company of an adult "
     "known for drug supply. No referral made."),
    ("camhs", "teen", "child_mental_health", "Referral to CAMHS by the GP after disclosure of "
     "self-harm. Declined as not meeting the criteria; advice letter sent."),
    ("hospital", "teen", "child_mental_health", "{child} attended the emergency department "
     "after self-harm. Seen by the mental health liaison team and discharged home."),
    ("youth_offending", "teen", "exploitation", "Referral order made after {child} was found in "
     "possession of a knife. Youth justice worker allocated."),
    ("drugs", "", "substance_misuse", "Mother attended the recovery service for an assessment of "
     "her alcohol use. She missed the next three appointments and the case was closed."),
    ("adult_mh", "", "mental_health", "Mother assessed by the community mental health team. The "
     "record notes she has children but does not say who was caring for them."),
    ("probation", "", "male_carers", "Mr B released from prison on licence. Probation did not "
     "know that he was living with a woman with young children."),
    ("voluntary", "", "domestic_abuse", "Domestic abuse advocate contacted Mother by telephone. "
     "Mother said Mr B was in the room and ended the call."),
    ("csc", "", "voice_of_child", "Home visit by the social worker. {child} was asleep and was "
     "not seen."),
    ("gp", "", "information_sharing", "GP practice received a copy of the child protection "
     "conference invitation after the date of the conference."),
)

METHOD_TEXT = {
    "learning_together": "The review used the Social Care Institute for Excellence (SCIE) "
    "Learning Together systems model, which looks beyond individual actions to the factors "
    "that helped or hindered practice. Practitioners took part in a series of conversations "
    "and a follow-on meeting.",
    "silp": "The review followed the Significant Incident Learning Process (SILP), in which "
    "agency reports are shared and discussed at a learning event with the practitioners and "
    "managers involved.",
    "traditional": "The review followed the approach set out in Working Together: each agency "
    "provided an individual management review (IMR) and a chronology, which the overview "
    "author analysed with the panel.",
    "hybrid": "The review used a hybrid methodology, combining short agency reports and a "
    "merged chronology with a practitioner learning event.",
}

GLOSSARY = (
    ("CAMHS", "Child and adolescent mental health services"),
    ("CIN", "Child in need"),
    ("CP", "Child protection"),
    ("DSL", "Designated safeguarding lead"),
    ("GP", "General practitioner"),
    ("IMR", "Individual management review"),
    ("LSCB", "Local Safeguarding Children Board"),
    ("MARAC", "Multi-agency risk assessment conference"),
    ("MASH", "Multi-agency safeguarding hub"),
    ("SCIE", "Social Care Institute for Excellence"),
)

PANEL_ROLES = (
    "Independent chair and overview author", "Head of Safeguarding, children's social care",
    "Detective Inspector, public protection", "Designated nurse for safeguarding",
    "Named GP for safeguarding", "Education safeguarding adviser",
    "Head of service, housing", "Partnership business manager",
    "Named midwife, hospital trust", "Service manager, youth justice",
)

SECTION_NAMES: dict[str, tuple[str, ...]] = {
    "introduction": ("Introduction", "Background", "Introduction to the review",
                     "Why this review was undertaken"),
    "terms": ("Terms of reference", "Scope and terms of reference", "Key lines of enquiry",
              "Scope of the review"),
    "method": ("Methodology", "Review process", "Methodology and process",
               "How the review was conducted"),
    "family": ("Family background", "The family", "Family composition and background",
               "{child} and the family"),
    "chronology": ("Chronology", "Case history", "Summary of agency involvement",
                   "Narrative of events", "Key episodes"),
    "analysis": ("Analysis", "Findings", "Analysis and findings", "Appraisal of practice",
                 "Key findings"),
    "lessons": ("Lessons learned", "Learning from the review", "Lessons for practice",
                "What we have learned"),
    "good": ("Good practice", "Examples of good practice", "What went well"),
    "conclusions": ("Conclusions", "Conclusion", "Concluding comments",
                    "Could the outcome have been predicted or prevented?"),
    "recommendations": ("Recommendations", "Recommendations for the partnership",
                        "Recommendations and actions"),
}

HEADING_STYLES = ("numbered", "upper", "decimal", "section", "plain")
REC_SHAPES = ("plain", "dotted", "letter", "r_prefix", "word", "bullets", "table")
CHILD_LETTERS = "ACDEFGHJKLMNPQRSTUVWXY"  # not B: Mr B is the mother's partner
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
ORDINALS = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
            "Eleven", "Twelve")
ALPHABET = "abcdefghijklmnopqrstuvwxyz"


# --------------------------------------------------------------------------- helpers


def _month_year(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.year}"


def _dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _deck(rng: random.Random, codes: Sequence[str], n: int,
          weights: Sequence[float] | None = None) -> list[str]:
    """``n`` codes containing every code at least once (when n allows), the rest weighted."""
    chosen = list(codes)[:n]
    if n > len(chosen):
        chosen += rng.choices(list(codes), weights=weights, k=n - len(chosen))
    rng.shuffle(chosen)
    return chosen


def _words(term: Term) -> list[str]:
    aliases = term.attributes.get("aliases", [])
    return [term.code.replace("_", " "), term.label, *[str(a) for a in aliases]]


def _resolve_agencies(agency: Vocabulary) -> dict[str, str]:
    """Map each AGENCY_HINTS key to an agency code, by words in the vocabulary."""
    resolved: dict[str, str] = {}
    for hint, keywords in AGENCY_HINTS.items():
        # An exact name first ('school' is Education, not the 'school nurse' of community
        # health), then the keyword as a whole word anywhere in a name.
        for keyword in keywords:
            term = next((t for t in agency.terms
                         if any(w.casefold() == keyword for w in _words(t))), None)
            if term is None:
                pattern = re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)", re.IGNORECASE)
                term = next((t for t in agency.terms
                             if any(pattern.search(w) for w in _words(t))), None)
            if term:
                resolved[hint] = term.code
                break
    return resolved


def _find_code(vocab: Vocabulary, *keywords: str) -> str | None:
    for term in vocab.terms:
        text = " ".join(_words(term)).casefold()
        if any(k in text for k in keywords):
            return term.code
    return None


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _nhs_number(rng: random.Random) -> str:
    """A number in the NHS test range (999...) with a valid modulus 11 check digit."""
    while True:
        digits = [9, 9, 9] + [rng.randrange(10) for _ in range(6)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 10:
            continue
        digits.append(0 if check == 11 else check)
        s = "".join(map(str, digits))
        return f"{s[:3]} {s[3:6]} {s[6:]}"


def _postcode(rng: random.Random) -> str:
    return f"ZZ99 {rng.randrange(10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"01632 960 {rng.randrange(1000):03d}"
    return f"07700 900 {rng.randrange(1000):03d}"


# --------------------------------------------------------------------------- planning


@dataclass
class _Case:
    record: ReviewRecord
    rng: random.Random
    letter: str
    group: str
    incident: str
    la_name: str
    region_name: str
    board: str
    hints: dict[str, str]  # hint -> agency code
    agency_vocab: Vocabulary
    method_label: str
    themes: list[str]
    events: list[tuple[date, str, str]]  # (date, agency hint, text)
    has_partner: bool
    has_sibling: bool
    dob: date
    in_progress: bool

    @property
    def child(self) -> str:
        return f"Child {self.letter}"

    @property
    def their(self) -> str:
        return {"female": "her", "male": "his"}.get(self.record.child_sex or "", "their")

    def usable(self, templates: Sequence[str]) -> list[str]:
        """Templates that mention only the family members this case has."""
        return [t for t in templates if (self.has_partner or "Mr B" not in t)
                and (self.has_sibling or "Sibling 1" not in t)]

    def fill(self, template: str, hint: str | None = None) -> str:
        roles = ROLES.get(hint or "", ()) or tuple(r for rs in ROLES.values() for r in rs)
        if self.events:
            month = self.events[self.rng.randrange(len(self.events))][0]
        else:
            month = self.record.incident_date or AS_OF
        return _sentence_case(template.format(child=self.child, their=self.their,
                                              role=self.rng.choice(roles),
                                              month=_month_year(month)))


def _age_text(months: int) -> str:
    if months == 0:
        return "newborn"
    if months < 12:
        return f"{months}-month-old"
    return f"{months // 12}-year-old"


def _group(months: int) -> str:
    if months < 12:
        return "infant"
    if months < 60:
        return "young"
    if months < 132:
        return "school"
    return "teen"


def _valid(la: Any, *days: date) -> bool:
    return all((la.start_date is None or la.start_date <= d)
               and (la.end_date is None or d < la.end_date) for d in days)


def _dates(rng: random.Random, year: int, review_type: str,
           criminal: bool) -> tuple[dict[str, date | None], bool]:
    """Dates in DATE_ORDER for a review decided in ``year``; and whether it is in progress."""
    latest = date(year, 12, 31) if year < LAST_YEAR else date(year, 10, 31)
    decision = date(year, 1, 1) + timedelta(days=rng.randrange((latest - date(year, 1, 1)).days))
    if review_type == "rapid_review":
        notification = decision - timedelta(days=rng.randint(5, 15))
    else:
        notification = decision - timedelta(days=rng.randint(10, 60))
    incident = notification - timedelta(days=rng.randint(1, 10))
    start = decision + timedelta(days=rng.randint(2, 10) if review_type == "rapid_review"
                                 else rng.randint(14, 75))
    if review_type == "rapid_review":
        completion = start + timedelta(days=rng.randint(14, 28))
    elif rng.random() < 0.35:  # late: more than six months after the decision
        completion = decision + timedelta(days=rng.randint(200, 600))
    else:
        completion = decision + timedelta(days=rng.randint(max(120, (start - decision).days + 60),
                                                           182))
    delay = rng.randint(30, 180) + (rng.randint(180, 540) if criminal else 0)
    publication = completion + timedelta(days=delay)
    in_progress = completion > AS_OF or (year >= LAST_YEAR - 1 and rng.random() < 0.5)
    values: dict[str, date | None] = {
        "incident_date": incident, "notification_date": notification, "decision_date": decision,
        "start_date": start, "completion_date": None if in_progress else completion,
        "publication_date": None,
    }
    published = not in_progress and publication <= AS_OF and (
        review_type != "rapid_review" or rng.random() < 0.3) and rng.random() < 0.93
    if published:
        values["publication_date"] = publication
    return values, in_progress


def _age_months(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.42:  # under one, mostly very young babies
        return rng.choices(range(12), weights=(8, 7, 6, 5, 4, 4, 3, 3, 2, 2, 2, 2))[0]
    if r < 0.58:
        return rng.randint(12, 59)
    if r < 0.72:
        return rng.randint(60, 131)
    return rng.randint(132, 215)


def _plan(count: int, seed: int, vocabs: dict[str, Vocabulary],
          authorities: list[Any]) -> list[_Case]:
    rng = random.Random(seed)
    english = sorted((la for la in authorities if la.gss_code.startswith("E")),
                     key=lambda la: la.gss_code)
    regions = sorted({(la.region_code, la.region_name) for la in english if la.region_code})
    years = _deck(rng, range(FIRST_YEAR, LAST_YEAR + 1), count)
    region_deck = _deck(rng, [code for code, _ in regions], count)
    outcomes = vocabs["outcome"].codes()
    n_death = round(count * 0.6)
    outcome_deck = ["death"] * n_death + ["serious_harm"] * (count - n_death)
    rng.shuffle(outcome_deck)
    sexes = vocabs["sex"].codes()
    sex_deck = _deck(rng, sexes, count,
                     [0.06 if c == "not_known" else 1.0 for c in sexes])
    eth = vocabs["ethnicity"]
    eth_weights = [8.0 if t.label.casefold() == "white british" else
                   0.3 if t.code in ("refu", "nobt") or "not" in t.label.casefold() or
                   "refused" in t.label.casefold() else 1.0 for t in eth.terms]
    eth_deck = _deck(rng, eth.codes(), count, eth_weights)
    method_deck = _deck(rng, vocabs["review_method"].codes(), count)
    hints = _resolve_agencies(vocabs["agency"])
    family_codes = vocabs["family_characteristic"].codes()
    proceedings = vocabs["parallel_proceeding"]
    criminal = _find_code(proceedings, "criminal", "prosecution")
    inquest = _find_code(proceedings, "inquest", "coroner")
    dhr = _find_code(proceedings, "domestic homicide")
    care = _find_code(proceedings, "care proceedings")
    review_types = vocabs["review_type"].codes()
    letters = list(CHILD_LETTERS)

    cases: list[_Case] = []
    for i in range(count):
        year = years[i]
        review_type = _review_type(rng, year, review_types)
        outcome = outcome_deck[i]
        age = _age_months(rng)
        group = _group(age)
        candidates = [x for x in INCIDENTS if x[0] == group and x[1] == outcome] or [
            x for x in INCIDENTS if x[0] == group]
        _, _, primary, incident = rng.choice(candidates)
        abuse = [primary] + rng.sample(
            [c for c in vocabs["abuse_category"].codes() if c != primary], rng.choice((0, 0, 1, 2)))
        family = rng.sample(family_codes, rng.randint(1, 5))
        has_partner = "men_in_household" in family or rng.random() < 0.5
        procs: list[str] = []
        if criminal and (primary in ("physical_abuse", "sexual_abuse") or rng.random() < 0.2):
            procs.append(criminal)
        if inquest and outcome == "death" and rng.random() < 0.8:
            procs.append(inquest)
        if care and rng.random() < 0.35:
            procs.append(care)
        if dhr and outcome == "death" and "domestic_abuse" in family and rng.random() < 0.4:
            procs.append(dhr)
        for code in proceedings.codes():
            if code not in procs and code not in (criminal, inquest, dhr, care) \
                    and rng.random() < 0.08:
                procs.append(code)
        dates, in_progress = _dates(rng, year, review_type, criminal in procs)
        incident_date = dates["incident_date"]
        decision_date = dates["decision_date"]
        assert incident_date and decision_date
        region = region_deck[i]
        la = _pick_authority(rng, english, region, incident_date, decision_date)
        dob = incident_date - timedelta(days=int(age * 30.44) + rng.randint(0, 25))
        if dob >= incident_date:
            dob = incident_date - timedelta(days=rng.randint(1, 20))
        themes = _themes(rng, group, abuse, family, has_partner)
        has_sibling = rng.random() < 0.6
        events = _events(rng, group, themes, dob, incident_date, hints, has_partner, has_sibling)
        agencies = sorted({hints[h] for _, h, _ in events if h in hints}
                          | {hints[h] for h in ("csc", "police") if h in hints})
        letter = letters[i % len(letters)]
        board_kind = "Safeguarding Children Board" if year < FIRST_PARTNERSHIP_YEAR \
            else "Safeguarding Children Partnership"
        cp_plan = rng.random() < 0.3
        looked_after = group == "teen" and rng.random() < 0.3
        record = ReviewRecord(
            reference="",
            title="",
            local_authority=la.gss_code,
            review_type=review_type,
            review_method=method_deck[i],
            outcome=outcome if outcome in outcomes else None,
            child_age_months=age,
            child_sex=sex_deck[i],
            child_ethnicity=eth_deck[i],
            child_disability=rng.random() < 0.15,
            child_protection_plan=cp_plan,
            looked_after=looked_after,
            known_to_csc=cp_plan or looked_after or rng.random() < 0.55,
            abuse_categories=sorted(abuse),
            family_characteristics=sorted(family),
            agencies=agencies,
            parallel_proceedings=sorted(procs),
            fictional=True,
            **dates,
        )
        method = vocabs["review_method"].get(method_deck[i])
        cases.append(_Case(
            record=record, rng=random.Random(rng.random()), letter=letter, group=group,
            incident=incident, la_name=la.name, region_name=la.region_name,
            board=f"{la.name} {board_kind}", hints=hints, agency_vocab=vocabs["agency"],
            method_label=method.label if method else "", themes=themes, events=events,
            has_partner=has_partner, has_sibling=has_sibling, dob=dob,
            in_progress=in_progress,
        ))
    cases.sort(key=lambda c: (c.record.decision_date or AS_OF, c.record.local_authority))
    for n, case in enumerate(cases, start=1):
        rec = case.record
        assert rec.decision_date
        rec.reference = f"DEMO-{rec.decision_date.year}-{n:03d}"
        type_term = vocabs["review_type"].get(rec.review_type)
        rec.title = f"{case.child} (fictional) - {type_term.label if type_term else 'Review'}"
        rec.summary = _summary(case)
    return cases


def _review_type(rng: random.Random, year: int, codes: list[str]) -> str:
    def ok(code: str) -> str:
        return code if code in codes else codes[0]

    if year < FIRST_PARTNERSHIP_YEAR:
        return ok("other") if rng.random() < 0.06 else ok("scr")
    r = rng.random()
    if r < 0.62:
        return ok("lcspr")
    if r < 0.82:
        return ok("rapid_review")
    if r < 0.92:
        return ok("national")
    return ok("other")


def _pick_authority(rng: random.Random, english: list[Any], region: str, *days: date) -> Any:
    valid = [la for la in english if la.region_code == region and _valid(la, *days)
             and "scilly" not in la.name.casefold() and "city of london" not in la.name.casefold()]
    if not valid:
        valid = [la for la in english if _valid(la, *days)]
    abolished = [la for la in valid if la.end_date is not None]
    if abolished and rng.random() < 0.45:
        return rng.choice(abolished)
    return rng.choice(valid)


def _themes(rng: random.Random, group: str, abuse: list[str], family: list[str],
            has_partner: bool) -> list[str]:
    core = ["assessment", "information_sharing", "escalation", "voice_of_child", "supervision",
            "thresholds", "curiosity"]
    specific: list[str] = []
    if group == "infant":
        specific += ["safe_sleep", "bruising"] if "physical_abuse" in abuse else ["safe_sleep"]
    if group in ("young", "school") or "neglect" in abuse:
        specific.append("neglect_drift")
    if group in ("school", "teen"):
        specific.append("education")
    if group == "teen":
        specific += ["exploitation", "child_mental_health"]
    if has_partner:
        specific.append("male_carers")
    for code, theme in (("domestic", "domestic_abuse"), ("mental", "mental_health"),
                        ("substance", "substance_misuse")):
        if any(code in f for f in family):
            specific.append(theme)
    rng.shuffle(specific)
    chosen = specific[: rng.randint(1, 3)] + rng.sample(core, rng.randint(2, 4))
    rng.shuffle(chosen)
    return chosen


def _events(rng: random.Random, group: str, themes: list[str], dob: date, incident: date,
            hints: dict[str, str], has_partner: bool,
            has_sibling: bool) -> list[tuple[date, str, str]]:
    pool = [e for e in EVENTS if (not e[1] or e[1] == group) and e[0] in hints
            and (has_partner or "Mr B" not in e[3]) and (has_sibling or "Sibling 1" not in e[3])]
    preferred = [e for e in pool if e[2] in themes]
    others = [e for e in pool if e[2] not in themes]
    n = rng.randint(8, 16)
    picked = preferred[:]
    rng.shuffle(picked)
    rng.shuffle(others)
    picked = (picked + others)[:n]
    begin = dob - timedelta(days=200) if group == "infant" else max(
        dob, incident - timedelta(days=rng.randint(500, 1400)))
    span = max((incident - begin).days - 2, len(picked) + 1)
    days = sorted(rng.sample(range(1, span), len(picked)))
    events = [(begin + timedelta(days=d), hint, text) for d, (hint, _, _, text) in
              zip(days, picked, strict=True)]
    # Antenatal and birth events belong before or at the birth, the rest after.
    events.sort(key=lambda e: (0 if "pregnan" in e[2] or "Antenatal" in e[2] or " born " in e[2]
                               else 1, e[0]))
    fixed = sorted(e[0] for e in events)
    return [(d, h, t) for d, (_, h, t) in zip(fixed, events, strict=True)]


def _child_noun(case: _Case) -> str:
    noun = {"female": "girl", "male": "boy"}.get(case.record.child_sex or "", "child")
    return "baby" if noun == "child" and (case.record.child_age_months or 0) < 12 else noun


def _summary(case: _Case) -> str:
    rec = case.record
    assert rec.incident_date is not None and rec.child_age_months is not None
    sex = _child_noun(case)
    themes = [THEME_NAMES[t] for t in case.themes[:3]]
    known = ("was known to children's social care" if rec.known_to_csc
             else "was not known to children's social care")
    return (f"This fictional review concerns {case.child}, a {_age_text(rec.child_age_months)} "
            f"{sex} who {case.incident} in {_month_year(rec.incident_date)}. "
            f"The family {known.replace('was', 'were', 1)}, and {len(rec.agencies)} agencies "
            f"had been involved. The review's main themes are {', '.join(themes[:-1])} and "
            f"{themes[-1]}." if len(themes) > 1 else
            f"This fictional review concerns {case.child}, a {_age_text(rec.child_age_months)} "
            f"{sex} who {case.incident} in {_month_year(rec.incident_date)}. "
            f"The review's main theme is {themes[0]}.")


# --------------------------------------------------------------------------- documents


def _agency_name(case: _Case, code: str, *, heading: bool = False) -> str:
    term = case.agency_vocab.get(code)
    if term is None:
        return code
    aliases = [str(a) for a in term.attributes.get("aliases", [])]
    options = [term.label] + [a for a in aliases if a[:1].islower() and " " in a]
    if code == case.hints.get("board"):
        partnership = (case.record.decision_date or AS_OF).year >= FIRST_PARTNERSHIP_YEAR
        options = ["the safeguarding partners", "the Safeguarding Children Partnership"] \
            if partnership else ["the LSCB", "the Local Safeguarding Children Board"]
    name = case.rng.choice(options)
    return name[:1].upper() + name[1:] if heading else name


def _disclaimer(case: _Case) -> str:
    return (f"This document is fictional. It was generated to demonstrate software and does not "
            f"describe any real child, family, practitioner or case. {case.la_name} has not "
            f"commissioned or published it, and any resemblance to real events is coincidence.")


class _Headings:
    """Numbering and wording of headings, varied per report."""

    def __init__(self, style: str, case: _Case) -> None:
        self.style = style
        self.case = case
        self.n = 0
        self.para = 0

    def __call__(self, key: str) -> str:
        self.n += 1
        self.para = 0
        name = self.case.rng.choice(SECTION_NAMES[key]).format(child=self.case.child)
        return self.number(name)

    def number(self, name: str) -> str:
        if self.style == "numbered":
            return f"{self.n}. {name}"
        if self.style == "upper":
            return name.upper()
        if self.style == "decimal":
            return f"{self.n}.0 {name}"
        if self.style == "section":
            return f"Part {ORDINALS[(self.n - 1) % len(ORDINALS)]} - {name}"
        return name

    def paras(self, texts: list[str]) -> list[str]:
        if self.style != "decimal":
            return texts
        out = []
        for text in texts:
            self.para += 1
            out.append(f"{self.n}.{self.para} {text}")
        return out


class _Pool:
    """Sentences drawn without repetition until the bank runs out, then reshuffled."""

    def __init__(self, case: _Case, bank: Sequence[str]) -> None:
        self.case = case
        self.bank = list(bank)
        self.left: list[str] = []

    def take(self, n: int) -> list[str]:
        out = []
        for _ in range(n):
            if not self.left:
                self.left = self.bank[:]
                self.case.rng.shuffle(self.left)
            out.append(self.case.fill(self.left.pop()))
        return out


def _paragraph(case: _Case, theme: str, k: int) -> str:
    bank = case.usable(THEMES[theme]["text"])
    case.rng.shuffle(bank)
    return " ".join(case.fill(s) for s in bank[:k])


def _recommendations(case: _Case, n: int) -> list[tuple[str, str]]:
    """(agency code, action) pairs, spread over themes and agencies."""
    addressees = [c for c in case.record.agencies if c != case.hints.get("board")]
    board = case.hints.get("board")
    if case.record.review_type == "national" and "government" in case.hints:
        addressees.append(case.hints["government"])
    actions: list[tuple[str, str]] = []
    themes = case.themes + [t for t in THEMES if t not in case.themes]
    used: set[str] = set()
    while len(actions) < n:
        for theme in themes:
            options = [a for a in THEMES[theme]["action"] if a not in used]
            if not options:
                continue
            action = case.rng.choice(options)
            used.add(action)
            code = board if board and case.rng.random() < 0.25 else case.rng.choice(addressees)
            actions.append((code, action))
            if len(actions) >= n:
                break
        else:
            if not any(a not in used for t in themes for a in THEMES[t]["action"]):
                break
    return actions


def _rec_section(case: _Case, heads: _Headings, n: int,
                 shape: str) -> tuple[list[DemoSection], list[tuple[str, str, str]]]:
    heading = heads("recommendations")
    pairs = _recommendations(case, n)
    intro = case.rng.choice((
        "The panel makes the following recommendations. Agencies should provide an action plan "
        "within three months.",
        "The recommendations below are addressed to the agencies named. Progress will be "
        "monitored by the partnership's learning and improvement group.",
        "This review makes the following recommendations.",
    ))
    truth: list[tuple[str, str, str]] = []
    sections: list[DemoSection] = []
    body: list[str] = [intro]
    late = case.rng.choice(("", " and report progress to the partnership within six months",
                            " and report on progress within twelve months"))

    def inline(code: str, action: str, i: int) -> str:
        suffix = late if i % 3 == 0 else ""
        name = _agency_name(case, code)  # one pick: both halves must name the same agency
        return f"{name[:1].upper()}{name[1:]} should {action}{suffix}."

    if shape in ("bullets", "table"):
        groups: dict[str, list[str]] = {}
        for code, action in pairs:
            groups.setdefault(code, []).append(action)
        if shape == "bullets":
            sections.append(DemoSection(heading, heads.paras([intro])))
            for code, acts in groups.items():
                texts = [_sentence_case(a) + "." for a in acts]
                sections.append(DemoSection(_agency_name(case, code, heading=True), texts,
                                            level=2, style="bullets"))
                truth += [("", code, t) for t in texts]
            return sections, truth
        numbered = case.rng.random() < 0.5
        rows = [["No.", "Agency", "Recommendation"] if numbered else ["Agency", "Recommendation"]]
        i = 0
        for code, acts in groups.items():
            for action in acts:
                i += 1
                text = _sentence_case(action) + "."
                name = _agency_name(case, code, heading=True)
                rows.append([str(i), name, text] if numbered else [name, text])
                truth.append((str(i) if numbered else "", code, text))
        return [DemoSection(heading, heads.paras([intro]), table=rows)], truth

    for i, (code, action) in enumerate(pairs, start=1):
        text = inline(code, action, i)
        if shape == "plain":
            number = f"{i}."
        elif shape == "dotted":
            number = f"{heads.n}.{i}" if heads.style in ("numbered", "decimal") else f"1.{i}"
        elif shape == "letter":
            number = f"({ALPHABET[(i - 1) % 26]})"
        elif shape == "r_prefix":
            number = f"R{i}"
        else:
            number = f"Recommendation {i}:"
        body.append(f"{number} {text}")
        truth.append((number, code, text))
    if heads.style == "decimal":
        # Paragraph numbers and recommendation numbers would collide; number the intro only.
        body[0] = heads.paras([intro])[0]
    sections.append(DemoSection(heading, body))
    return sections, truth


def _doc_name(case: _Case, kind: str, fmt: Fmt, extra: str = "") -> str:
    slug = kind.replace("_", "-") + (f"-{extra}" if extra else "")
    return f"{case.record.reference}-{slug}.{fmt}"


def _front(case: _Case, label: str) -> list[str]:
    rec = case.record
    when = rec.publication_date or rec.completion_date or rec.start_date or AS_OF
    lines = [label, f"Commissioned by: {case.board} (fictional)",
             "Independent reviewer: an independent safeguarding consultant (fictional)",
             f"{'Published' if rec.publication_date else 'Dated'}: {_month_year(when)}"]
    return lines + [_disclaimer(case)]


def _overview(case: _Case) -> DemoDocument:
    rng = case.rng
    rec = case.record
    assert rec.incident_date and rec.decision_date and rec.child_age_months is not None
    heads = _Headings(rng.choice(HEADING_STYLES), case)
    target = rng.randint(5, 15)  # sets the length: about target + 1 pages
    secs: list[DemoSection] = []
    review_label = rec.title.split(" - ", 1)[1]
    type_words = "serious case review" if rec.review_type == "scr" else "review"

    intro = [
        f"This report is the overview report of the {type_words} into the circumstances of "
        f"{case.child}, a {_age_text(rec.child_age_months)} {_child_noun(case)} who "
        f"{case.incident} in "
        f"{_month_year(rec.incident_date)}.",
        f"{case.board} decided on {rec.decision_date.strftime('%d %B %Y')} that the criteria "
        f"for a {review_label.lower()} were met. The purpose of the review is to identify "
        f"improvements needed and to consolidate good practice, not to apportion blame.",
        "The names of the child and family members have been replaced by descriptions to "
        "protect their privacy. Professionals are referred to by role.",
        _disclaimer(case),
    ]
    secs.append(DemoSection(heads("introduction"), heads.paras(intro)))

    period_start = case.events[0][0] if case.events else rec.incident_date
    terms_items = [
        f"The review considered agency involvement with {case.child} and the family from "
        f"{_month_year(period_start)} to {_month_year(rec.incident_date)}.",
        *[f"How effective was practice in relation to {THEME_NAMES[t]}?" for t in case.themes],
        "Were the child's needs and the family's circumstances understood by all agencies?",
    ]
    terms_head = heads("terms")
    secs.append(DemoSection(terms_head, heads.paras([
        "The panel agreed the following terms of reference and key lines of enquiry:"])))
    secs.append(DemoSection("", terms_items, level=2, style="numbered"))

    method = METHOD_TEXT.get(rec.review_method or "", (
        f"The panel agreed a proportionate, bespoke approach ({case.method_label.lower()}), "
        f"combining a review of agency records with conversations with practitioners."))
    method_paras = [
        method,
        f"The review panel met {rng.randint(3, 8)} times and included senior representatives "
        f"of the agencies involved. Membership is listed in the appendix.",
        rng.choice((
            "Mother and Father were invited to contribute. Mother met the reviewer and her "
            "views are reflected in the report; Father did not respond.",
            "The family were informed of the review and invited to take part, but declined.",
            "Mother contributed to the review by telephone. Her views have been included where "
            "she agreed.")),
    ]
    if rec.parallel_proceedings:
        method_paras.append("Parallel proceedings affected the timing of the review, and the "
                            "panel took care not to prejudice them.")
    secs.append(DemoSection(heads("method"), heads.paras(method_paras)))

    family = [f"{case.child} lived with Mother" + (" and Sibling 1" if case.has_sibling else "")
              + " in rented accommodation in the area."]
    family.append(rng.choice((
        "Father lived nearby and saw the children at weekends.",
        "Father did not live with the family and had little contact.",
        "Father had no contact with the family after the separation.")))
    if case.has_partner:
        family.append("Mr B, Mother's partner, began living at the address for part of the "
                      "week during the period under review. His involvement was not known to "
                      "most agencies.")
    family.append("Mother had experienced difficulties in her own childhood and had limited "
                  "support from her wider family.")
    secs.append(DemoSection(heads("family"), heads.paras([" ".join(family)])))

    pool = _Pool(case, PRACTICE_CONTEXT)
    history_head = heads("chronology")
    history = []
    for d, hint, text in case.events:
        comment = case.fill(rng.choice(HISTORY_COMMENTS))
        history.append(f"In {_month_year(d)}: {case.fill(text, hint)} {comment}".strip())
    for k in range(max(0, target - 6)):
        history.insert(2 + k * 2, " ".join(pool.take(3)))
    secs.append(DemoSection(history_head, heads.paras(history)))

    analysis_head = heads("analysis")
    secs.append(DemoSection(analysis_head, heads.paras([rng.choice((
        "The panel identified the following findings.",
        "This section analyses the practice described above against the terms of reference.",
        "The findings below explain why practice happened as it did.")) ])))
    generic_per_finding = max(1, round(target * 6 / len(case.themes)))
    for k, theme in enumerate(case.themes, start=1):
        title = rng.choice(THEMES[theme]["title"]).format(child=case.child)
        head = f"Finding {k}: {title}" if rng.random() < 0.7 else (
            f"{heads.n}.{k} {title}" if heads.style in ("numbered", "decimal") else title)
        own = [case.fill(x) for x in case.usable(THEMES[theme]["text"])]
        rng.shuffle(own)
        generic = pool.take(generic_per_finding)
        paras = [" ".join(own[j:j + 2] + generic[j // 2:j // 2 + 1])
                 for j in range(0, len(own), 2)]
        paras += [" ".join(generic[len(paras):][j:j + 2])
                  for j in range(0, max(0, len(generic) - len(paras)), 2)]
        paras.append(case.fill(rng.choice(THEMES[theme]["lesson"])))
        secs.append(DemoSection(head, paras, level=2))

    lessons = [case.fill(rng.choice(THEMES[t]["lesson"])) for t in case.themes]
    secs.append(DemoSection(heads("lessons"), heads.paras(lessons),
                            style=rng.choice(("text", "bullets"))))
    good = [case.fill(g) for g in rng.sample(case.usable(GOOD_PRACTICE), rng.randint(2, 4))]
    secs.append(DemoSection(heads("good"), heads.paras(good)))
    conclusions = [
        f"{case.child}'s death was not predictable" if rec.outcome == "death" else
        f"The harm to {case.child} could not have been predicted with certainty",
        "but the review has identified a number of points at which a different response might "
        "have changed the course of events.",
    ]
    secs.append(DemoSection(heads("conclusions"), heads.paras([
        " ".join(conclusions),
        "The partnership has accepted the findings, and agencies have already begun to act on "
        "them."])))

    shape = rng.choice(REC_SHAPES)
    rec_secs, truth = _rec_section(case, heads, rng.randint(4, 20), shape)
    secs += rec_secs

    heads.style = heads.style if heads.style != "section" else "plain"
    panel = [[role, f"Agency representative {i}"] for i, role in
             enumerate(rng.sample(PANEL_ROLES, rng.randint(5, 8)), start=1)]
    secs.append(DemoSection(rng.choice(("Appendix 1: Panel membership",
                                        "Appendix A - Review panel membership",
                                        "APPENDIX 1 - PANEL")),
                            ["The panel members are described by role."],
                            table=[["Role", "Member"], *panel]))
    secs.append(DemoSection(rng.choice(("Appendix 2: Glossary", "Appendix B - Glossary of terms",
                                        "GLOSSARY")),
                            [f"{a} - {b}" for a, b in GLOSSARY]))
    title = f"{MARKER} - {rec.title} - Overview report"
    return DemoDocument(
        kind="overview_report", title=title, filename=_doc_name(case, "overview_report", "pdf"),
        fmt="pdf", sections=secs, front_matter=_front(case, "Overview report"),
        recommendations=truth, page_numbers=rng.choice(("n_of_m", "n")))


def _executive_summary(case: _Case, overview: DemoDocument | None) -> DemoDocument:
    rng = case.rng
    rec = case.record
    secs = [
        DemoSection("Introduction", [rec.summary, _disclaimer(case)]),
        DemoSection("Key findings", [
            case.fill(rng.choice(THEMES[t]["title"])) + ". " + _paragraph(case, t, 2)
            for t in case.themes], style="numbered"),
    ]
    truth: list[tuple[str, str, str]] = []
    if overview and overview.recommendations and rng.random() < 0.6:
        lines = []
        for number, code, text in overview.recommendations:
            lines.append(f"{number} {text}".strip() if number else
                         f"{_agency_name(case, code, heading=True)}: {text}")
            truth.append((number, code, text))
        secs.append(DemoSection("Recommendations", lines))
    else:
        secs.append(DemoSection("Recommendations", [
            "The full report makes recommendations to the agencies involved; they are set out "
            "in the overview report."]))
    return DemoDocument(
        kind="executive_summary", title=f"{MARKER} - {rec.title} - Executive summary",
        filename=_doc_name(case, "executive_summary", "docx"), fmt="docx", sections=secs,
        front_matter=_front(case, "Executive summary"), recommendations=truth)


def _identity_block(case: _Case) -> tuple[list[str], list[tuple[str, str]]]:
    rng = case.rng
    dob = _dmy(case.dob)
    nhs = _nhs_number(rng)
    postcode = _postcode(rng)
    phone = _phone(rng)
    lines = [f"Subject: {case.child}, date of birth {dob}, NHS number {nhs}.",
             f"Address at the time: [street withheld], {postcode}.",
             f"Mother's contact telephone number as recorded: {phone}."]
    return lines, [("date_of_birth", dob), ("nhs_number", nhs), ("postcode", postcode),
                   ("phone", phone)]


def _imr(case: _Case, hint: str, code: str) -> DemoDocument:
    rng = case.rng
    rec = case.record
    name = _agency_name(case, code, heading=True)
    ident, pd = _identity_block(case)
    own = [(d, t) for d, h, t in case.events if h == hint] or [
        (d, t) for d, _, t in case.events[:3]]
    involvement = [f"{_dmy(d)}: {case.fill(t, hint)}" for d, t in own]
    extra_phone = _phone(rng)
    when = own[-1][0] if own else rec.incident_date or AS_OF
    involvement.append(f"{_dmy(when)}: Mother telephoned from {extra_phone} to cancel an "
                       f"appointment.")
    pd.append(("phone", extra_phone))
    analysis = [_paragraph(case, t, 3) for t in case.themes[:3]]
    actions = rng.sample([a for t in case.themes for a in THEMES[t]["action"]],
                         min(rng.randint(2, 5), sum(len(THEMES[t]["action"])
                                                    for t in case.themes)))
    recs = [(f"{i}.", code, f"{name} should {a}.") for i, a in enumerate(actions, start=1)]
    fmt: Fmt = rng.choice(("pdf", "docx"))
    secs = [
        DemoSection("Confidential: identifying information", ident + [
            "This document is confidential and is not for publication.", _disclaimer(case)]),
        DemoSection("1. Introduction", [
            f"This individual management review was prepared by {name} for the "
            f"{_type_label(rec.review_type)} concerning {case.child}. The author is a senior "
            f"manager with no line management responsibility for the practitioners involved."]),
        DemoSection("2. Agency involvement", involvement, style="bullets"),
        DemoSection("3. Analysis of involvement", analysis),
        DemoSection("4. Recommendations for the agency", [f"{n} {t}" for n, _, t in recs]),
    ]
    slug = re.sub(r"[^a-z0-9]+", "-", (code or hint).lower()).strip("-")
    return DemoDocument(
        kind="imr", title=f"{MARKER} - {rec.title} - Individual management review: {name}",
        filename=_doc_name(case, "imr", fmt, slug), fmt=fmt, sections=secs,
        front_matter=[f"Individual management review: {name}", "CONFIDENTIAL"],
        recommendations=recs, personal_data=pd, agency=code)


def _type_label(review_type: str) -> str:
    return {"scr": "serious case review", "lcspr": "local child safeguarding practice review",
            "rapid_review": "rapid review", "national": "national review"}.get(
        review_type, "review")


def _chronology(case: _Case) -> DemoDocument:
    rng = case.rng
    rec = case.record
    ident, pd = _identity_block(case)
    rows = [["Date", "Agency", "Event", "Comment"]]
    for d, hint, text in case.events:
        code = case.hints.get(hint)
        rows.append([_dmy(d), _agency_name(case, code, heading=True) if code else "Other",
                     case.fill(text, hint), rng.choice(("", "Missed opportunity",
                                                        "Not shared", "Appropriate"))])
    phone = _phone(rng)
    assert rec.incident_date and rec.notification_date
    rows.append([_dmy(rec.incident_date), "Police", f"Ambulance called to the address by "
                 f"Mother from {phone}. {case.child} {case.incident}.", "Incident"])
    rows.append([_dmy(rec.notification_date), "Children's social care",
                 "Serious incident notification made.", ""])
    pd.append(("phone", phone))
    secs = [DemoSection("Confidential: identifying information", ident + [_disclaimer(case)]),
            DemoSection("Combined multi-agency chronology", [
                "Events are listed in date order. Entries are summarised from agency records."],
                table=rows)]
    return DemoDocument(
        kind="chronology", title=f"{MARKER} - {rec.title} - Multi-agency chronology",
        filename=_doc_name(case, "chronology", "docx"), fmt="docx", sections=secs,
        front_matter=["Combined chronology", "CONFIDENTIAL"], personal_data=pd)


def _documents(case: _Case) -> list[DemoDocument]:
    rng = case.rng
    docs: list[DemoDocument] = []
    overview = None
    if not case.in_progress and (case.record.review_type != "rapid_review" or rng.random() < 0.5) \
            and rng.random() < 0.92:
        overview = _overview(case)
        docs.append(overview)
    if overview and rng.random() < 0.55:
        docs.append(_executive_summary(case, overview))
    imr_chance = 0.7 if case.record.review_method in ("traditional", "hybrid") else 0.25
    if case.record.review_type in ("scr", "lcspr") and rng.random() < imr_chance:
        by_code: dict[str, str] = {}
        for _, hint, _ in case.events:
            if hint in case.hints:
                by_code.setdefault(case.hints[hint], hint)
        codes = sorted(by_code)
        for code in rng.sample(codes, min(len(codes), rng.randint(1, 3))):
            docs.append(_imr(case, by_code[code], code))
    if rng.random() < 0.4:
        docs.append(_chronology(case))
    return docs


def build_demo_corpus(count: int = 48, seed: int = 2026, *,
                      vocabularies: dict[str, Vocabulary] | None = None,
                      authorities: list[Any] | None = None) -> list[DemoReview]:
    """A fictional corpus of ``count`` reviews; the same seed always gives the same corpus."""
    vocabs = vocabularies or load_vocabularies()
    if authorities is None:
        from .places import load_local_authorities

        authorities = list(load_local_authorities())
    cases = _plan(count, seed, vocabs, authorities)
    return [DemoReview(record=c.record, documents=_documents(c)) for c in cases]


# --------------------------------------------------------------------------- rendering


def write_demo_files(reviews: Sequence[DemoReview], directory: Path) -> dict[str, list[Path]]:
    """Render every document to ``directory``; return the files of each review by reference."""
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {}
    for review in reviews:
        paths = written.setdefault(review.record.reference, [])
        for doc in review.documents:
            path = directory / doc.filename
            render: Callable[[DemoDocument, Path], None] = \
                _render_pdf if doc.fmt == "pdf" else _render_docx
            render(doc, path)
            paths.append(path)
    return written


_PDF_STYLES: dict[str, Any] = {}


def _pdf_styles() -> dict[str, Any]:
    if not _PDF_STYLES:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

        base = getSampleStyleSheet()
        _PDF_STYLES.update(
            marker=ParagraphStyle("marker", parent=base["Normal"], fontName="Helvetica-Bold",
                                  fontSize=12, textColor=colors.darkred, spaceAfter=12),
            title=ParagraphStyle("title", parent=base["Title"], fontSize=20, leading=24,
                                 alignment=0, spaceAfter=16),
            front=ParagraphStyle("front", parent=base["Normal"], fontSize=11, leading=15,
                                 spaceAfter=6),
            h1=ParagraphStyle("h1", parent=base["Heading1"], fontName="Helvetica-Bold",
                              fontSize=15, leading=19, spaceBefore=14, spaceAfter=8),
            h2=ParagraphStyle("h2", parent=base["Heading2"], fontName="Helvetica-Bold",
                              fontSize=12, leading=15, spaceBefore=10, spaceAfter=6),
            body=ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica",
                                fontSize=11.5, leading=16, spaceAfter=8),
            cell=ParagraphStyle("cell", parent=base["BodyText"], fontName="Helvetica",
                                fontSize=9, leading=11),
            cellhead=ParagraphStyle("cellhead", parent=base["BodyText"],
                                    fontName="Helvetica-Bold", fontSize=9, leading=11),
        )
    return _PDF_STYLES


def _render_pdf(doc: DemoDocument, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.pdfgen import canvas as pdfcanvas
    from reportlab.platypus import (
        ListFlowable,
        ListItem,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Table,
        TableStyle,
    )

    st = _pdf_styles()
    width, height = A4
    n_of_m = doc.page_numbers == "n_of_m"

    class NumberedCanvas(pdfcanvas.Canvas):
        """Draws header and footer once the page count is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica-Bold", 8)
                self.setFillColor(colors.darkred)
                self.drawCentredString(width / 2, height - 1.2 * cm, MARKER)
                self.setFont("Helvetica", 8)
                self.setFillColor(colors.black)
                label = f"Page {self._pageNumber} of {total}" if n_of_m else str(self._pageNumber)
                self.drawCentredString(width / 2, 1.1 * cm, f"{MARKER} - {label}" if n_of_m
                                       else label)
                super().showPage()
            super().save()

    def para(text: str, style: str) -> Any:
        return Paragraph(escape(text), st[style])

    story: list[Any] = [para(MARKER, "marker"), para(doc.title.removeprefix(MARKER + " - "),
                                                     "title")]
    story += [para(line, "front") for line in doc.front_matter]
    if doc.kind == "overview_report":
        story.append(PageBreak())
    for sec in doc.sections:
        if sec.heading:
            story.append(para(sec.heading, "h1" if sec.level == 1 else "h2"))
        if sec.style == "text":
            story += [para(p, "body") for p in sec.paragraphs]
        elif sec.paragraphs:
            story.append(ListFlowable(
                [ListItem(para(p, "body"), leftIndent=18) for p in sec.paragraphs],
                bulletType="1" if sec.style == "numbered" else "bullet",
                start=None if sec.style == "numbered" else "\u2022", leftIndent=18,
                bulletFontSize=10, bulletFormat="%s." if sec.style == "numbered" else None))
        if sec.table:
            ncols = len(sec.table[0])
            avail = width - 4.4 * cm
            widths = {2: [0.3, 0.7], 3: [0.08, 0.25, 0.67], 4: [0.14, 0.2, 0.46, 0.2]}.get(
                ncols, [1 / ncols] * ncols)
            data = [[Paragraph(escape(c), st["cellhead" if r == 0 else "cell"]) for c in row]
                    for r, row in enumerate(sec.table)]
            table = Table(data, colWidths=[w * avail for w in widths], repeatRows=1)
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]))
            story.append(table)
    pdf = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=2.2 * cm, rightMargin=2.2 * cm,
                            topMargin=2.0 * cm, bottomMargin=2.0 * cm, title=doc.title,
                            author=MARKER, subject=MARKER, invariant=1)
    pdf.build(story, canvasmaker=NumberedCanvas)


def _render_docx(doc: DemoDocument, path: Path) -> None:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    document = docx.Document()
    document.core_properties.title = doc.title
    document.core_properties.author = MARKER
    document.core_properties.comments = MARKER
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = MARKER
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{MARKER} - Page ")
    _docx_field(footer, "PAGE", OxmlElement, qn)
    if doc.page_numbers == "n_of_m":
        footer.add_run(" of ")
        _docx_field(footer, "NUMPAGES", OxmlElement, qn)

    first = document.add_paragraph()
    run = first.add_run(MARKER)
    run.bold = True
    run.font.size = Pt(13)
    run.font.color.rgb = RGBColor(0x8B, 0, 0)
    document.add_heading(doc.title.removeprefix(MARKER + " - "), level=0)
    for line in doc.front_matter:
        document.add_paragraph(line)
    for sec in doc.sections:
        if sec.heading:
            document.add_heading(sec.heading, level=min(sec.level, 3))
        style = {"text": None, "bullets": "List Bullet", "numbered": "List Number"}[sec.style]
        for text in sec.paragraphs:
            document.add_paragraph(text, style=style)
        if sec.table:
            table = document.add_table(rows=len(sec.table), cols=len(sec.table[0]))
            table.style = "Table Grid"
            for r, row in enumerate(sec.table):
                cells = table.rows[r].cells
                for c, value in enumerate(row):
                    cells[c].text = value
                    if r == 0:
                        for p in cells[c].paragraphs:
                            for rn in p.runs:
                                rn.bold = True
            document.add_paragraph()
    document.save(str(path))


def _docx_field(paragraph: Any, instruction: str, element: Any, qn: Any) -> None:
    fld = element("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = element("w:r")
    text = element("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)
