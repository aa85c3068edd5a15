"""The one catalogue of user-facing messages for the questionnaire engine.

Every message a respondent or a questionnaire author can see is a code in `Msg` with a
template per written standard: bokmål ("nb") and nynorsk ("nn") must both exist because
state forms are offered in both at the same time (språklova § 14); English ("en") is for
staff and falls back to bokmål when missing. Code that raises an error carries the code
and its parameters, never finished text, so the page can render it in the reader's
language.

To add a message: add a member to `Msg` and an entry to `TEMPLATES` next to it. The check
at the bottom of this module refuses to import a catalogue where the two disagree or where
the languages of one message use different placeholders.

A parameter whose value is itself a `Msg` is rendered in the same language first, so a
message can name a type ("et tall" / "eit tal" / "a number") without the caller knowing
the language.
"""

from __future__ import annotations

import string
from enum import StrEnum

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"


class Msg(StrEnum):
    """Stable message codes; the values appear in logs and tests, so never rename one."""

    # forms/money.py: amounts in kroner
    AMOUNT_EMPTY = "amount.empty"
    AMOUNT_INVALID = "amount.invalid"
    AMOUNT_NEGATIVE = "amount.negative"
    AMOUNT_DECIMALS = "amount.decimals"
    AMOUNT_TOO_LARGE = "amount.too_large"
    # forms/money.py: integers, decimals and percentages (and shared number rules)
    NUMBER_EMPTY = "number.empty"
    NUMBER_INVALID = "number.invalid"
    NUMBER_NEGATIVE = "number.negative"
    NUMBER_NOT_WHOLE = "number.not_whole"
    NUMBER_DECIMALS = "number.decimals"
    NUMBER_TOO_LARGE = "number.too_large"
    NUMBER_TOO_LONG = "number.too_long"
    NUMBER_GROUPING = "number.grouping"
    PERCENT_EMPTY = "percent.empty"
    PERCENT_OVER_100 = "percent.over_100"
    # forms/expressions.py: names of types, used as parameters in other messages
    TYPE_NUMBER = "type.number"
    TYPE_TEXT = "type.text"
    TYPE_BOOL = "type.bool"
    TYPE_DATE = "type.date"
    TYPE_TEXT_LIST = "type.text_list"
    TYPE_GROUP = "type.group"
    # forms/expressions.py: reading the expression
    EXPR_EMPTY = "expr.empty"
    EXPR_TOO_LONG = "expr.too_long"
    EXPR_TOO_DEEP = "expr.too_deep"
    EXPR_UNEXPECTED_CHARACTER = "expr.unexpected_character"
    EXPR_UNTERMINATED_STRING = "expr.unterminated_string"
    EXPR_DECIMAL_COMMA = "expr.decimal_comma"
    EXPR_SINGLE_EQUALS = "expr.single_equals"
    EXPR_INVALID_NAME = "expr.invalid_name"
    EXPR_EXPECTED_VALUE = "expr.expected_value"
    EXPR_UNEXPECTED_END = "expr.unexpected_end"
    EXPR_UNEXPECTED_TOKEN = "expr.unexpected_token"  # noqa: S105 (a code, not a secret)
    EXPR_UNCLOSED_PAREN = "expr.unclosed_paren"
    EXPR_UNCLOSED_LIST = "expr.unclosed_list"
    EXPR_UNMATCHED_CLOSE = "expr.unmatched_close"
    EXPR_CHAINED_COMPARISON = "expr.chained_comparison"
    EXPR_LIST_NEEDS_TEXT = "expr.list_needs_text"
    EXPR_UNKNOWN_FUNCTION = "expr.unknown_function"
    EXPR_FUNCTION_ARGUMENTS = "expr.function_arguments"
    # forms/expressions.py: names and types
    EXPR_UNKNOWN_NAME = "expr.unknown_name"
    EXPR_UNKNOWN_NAME_SUGGEST = "expr.unknown_name_suggest"
    EXPR_UNKNOWN_FIELD = "expr.unknown_field"
    EXPR_GROUP_FIELD_OUTSIDE = "expr.group_field_outside"
    EXPR_NEEDS_NUMBER = "expr.needs_number"
    EXPR_NEEDS_BOOL = "expr.needs_bool"
    EXPR_CANNOT_ORDER = "expr.cannot_order"
    EXPR_CANNOT_COMPARE = "expr.cannot_compare"
    EXPR_COMPARE_MISMATCH = "expr.compare_mismatch"
    EXPR_IN_NEEDS_TEXT = "expr.in_needs_text"
    EXPR_IN_NEEDS_LIST = "expr.in_needs_list"
    EXPR_COUNT_NEEDS_GROUP = "expr.count_needs_group"
    EXPR_AGGREGATE_NEEDS_FIELD = "expr.aggregate_needs_field"
    EXPR_ANSWERED_NEEDS_NAME = "expr.answered_needs_name"
    EXPR_RESULT_TYPE = "expr.result_type"
    # forms/builder.py: answers typed into a form
    FIELD_REQUIRED = "field.required"
    FIELD_TOO_SMALL = "field.too_small"
    FIELD_TOO_LARGE = "field.too_large"
    TEXT_TOO_LONG = "text.too_long"
    DATE_INVALID = "date.invalid"
    DATE_TOO_EARLY = "date.too_early"
    DATE_TOO_LATE = "date.too_late"
    CHOICE_UNKNOWN = "choice.unknown"
    CHOICE_EXCLUSIVE = "choice.exclusive"
    CHOICE_TOO_FEW = "choice.too_few"
    CHOICE_TOO_MANY = "choice.too_many"
    SCALE_INVALID = "scale.invalid"
    GROUP_TOO_FEW = "group.too_few"
    GROUP_TOO_MANY = "group.too_many"
    # forms/builder.py and the form templates: fixed texts of the form itself
    FORM_YES = "form.yes"
    FORM_NO = "form.no"
    FORM_DONT_KNOW = "form.dont_know"
    FORM_SCALE_POINT = "form.scale_point"
    FORM_CHOOSE = "form.choose"
    FORM_ADD_ROW = "form.add_row"
    FORM_REMOVE_ROW = "form.remove_row"
    FORM_ROW = "form.row"
    FORM_NOT_COMPUTED = "form.not_computed"
    FORM_PRIVACY_WARNING = "form.privacy_warning"
    FORM_MAX_LENGTH = "form.max_length"
    FORM_DATE_HINT = "form.date_hint"
    # forms/loader.py: questionnaire files
    Q_YAML = "q.yaml"
    Q_NOT_MAPPING = "q.not_mapping"
    Q_NOT_LIST = "q.not_list"
    Q_UNKNOWN_KEY = "q.unknown_key"
    Q_MISSING_KEY = "q.missing_key"
    Q_UNKNOWN_LANGUAGE = "q.unknown_language"
    Q_MISSING_NB = "q.missing_nb"
    Q_BAD_ID = "q.bad_id"
    Q_BAD_VERSION = "q.bad_version"
    Q_NOT_NUMBER = "q.not_number"
    Q_NOT_BOOL = "q.not_bool"
    Q_NOT_EXPRESSION = "q.not_expression"
    Q_NOT_CONDITION = "q.not_condition"
    Q_UNKNOWN_TYPE = "q.unknown_type"
    Q_DUPLICATE_ID = "q.duplicate_id"
    Q_DUPLICATE_SECTION = "q.duplicate_section"
    Q_DUPLICATE_CODE = "q.duplicate_code"
    Q_NO_CHOICES = "q.no_choices"
    Q_BAD_PREFILL = "q.bad_prefill"
    Q_DUPLICATE_VERSION = "q.duplicate_version"
    R_NOT_ONE_OF = "r.not_one_of"
    R_DUPLICATE_RULE = "r.duplicate_rule"
    R_UNKNOWN_SCHEME = "r.unknown_scheme"
    R_NOTHING_WITH_AMOUNT = "r.nothing_with_amount"
    Q_TYPE_CHANGED = "q.type_changed"
    # forms/loader.py: question roles (`role:`)
    Q_UNKNOWN_ROLE = "q.unknown_role"
    Q_ROLE_TYPE = "q.role_type"
    Q_DUPLICATE_ROLE = "q.duplicate_role"
    Q_ROLE_MISSING = "q.role_missing"
    Q_ROLE_IN_GROUP = "q.role_in_group"
    # forms/loader.py: application pages and their roles (issue 16)
    Q_APPLICATION_ROLE_TYPE = "q.application_role_type"
    Q_APPLICATION_ROLE_OUTSIDE = "q.application_role_outside"
    Q_APPLICATION_ROLE_MISSING = "q.application_role_missing"
    Q_COLUMN_ROLE_MISSING = "q.column_role_missing"
    Q_COLUMN_ROLE_OUTSIDE = "q.column_role_outside"
    # forms/source.py, forms/loader.py, forms/check.py, forms/schemes_check.py: `check`
    Q_TOO_LARGE = "q.too_large"
    Q_BINARY = "q.binary"
    Q_TOO_DEEP = "q.too_deep"
    Q_NOT_UTF8 = "q.not_utf8"
    Q_CONTROL_CHARACTER = "q.control_character"
    Q_YAML_ANCHOR = "q.yaml_anchor"
    Q_YAML_TAG = "q.yaml_tag"
    Q_YAML_TAB = "q.yaml_tab"
    Q_YAML_COMMA = "q.yaml_comma"
    Q_YAML_DUPLICATE_KEY = "q.yaml_duplicate_key"
    Q_YAML_UNCLOSED_QUOTE = "q.yaml_unclosed_quote"
    Q_YAML_UNCLOSED_BRACKET = "q.yaml_unclosed_bracket"
    Q_YAML_INDENT = "q.yaml_indent"
    Q_YAML_INDENT_UNDER = "q.yaml_indent_under"
    Q_YAML_INDENT_GENERAL = "q.yaml_indent_general"
    Q_UNKNOWN_KEY_SUGGEST = "q.unknown_key_suggest"
    Q_TEXT_COMMA = "q.text_comma"
    Q_LATER_QUESTION = "q.later_question"
    Q_MISSING_NN = "q.missing_nn"
    Q_NYNORSK_REASON = "q.nynorsk_reason"
    Q_QUOTE_NUMBER = "q.quote_number"
    S_NOT_LIST = "s.not_list"
    S_ADMINISTRATIONS = "s.administrations"
    S_CHAPTER_POST = "s.chapter_post"
    S_DUPLICATE_SLUG = "s.duplicate_slug"
    S_NOT_YEAR = "s.not_year"
    S_FIRST_AFTER_LAST = "s.first_after_last"
    S_CONTINUING_NEEDS_RECIPIENTS = "s.continuing_needs_recipients"
    S_RATE_YEAR_OUTSIDE = "s.rate_year_outside"
    S_NOT_KRONER = "s.not_kroner"
    S_RATE_ANY_ALONE = "s.rate_any_alone"
    S_WORKBOOK_NO_SECTION = "s.workbook_no_section"
    S_WORKBOOK_NO_NUMBERS = "s.workbook_no_numbers"
    S_ACCOUNTS_NEED_WORKBOOK = "s.accounts_need_workbook"
    X_NO_SCHEME_ENTRY = "x.no_scheme_entry"
    X_NO_QUESTIONNAIRE = "x.no_questionnaire"
    X_NO_RULES = "x.no_rules"
    # survey_app/services/publishing.py: the workspace's texts against what is published
    PUBLISH_VERSION_TAKEN = "publish.version_taken"
    PUBLISH_ONE_SCHEME_ENTRY = "publish.one_scheme_entry"
    PUBLISH_SCHEME_OTHER_QUESTIONNAIRE = "publish.scheme_other_questionnaire"
    PUBLISH_RULES_OTHER_QUESTIONNAIRE = "publish.rules_other_questionnaire"
    PUBLISH_NO_LETTER_TEXTS = "publish.no_letter_texts"
    CHECK_OK = "check.ok"
    CHECK_FAILED = "check.failed"
    CHECK_WARNINGS = "check.warnings"


TEMPLATES: dict[Msg, dict[str, str]] = {
    # ---- amounts -------------------------------------------------------------------
    Msg.AMOUNT_EMPTY: {
        "nb": "Skriv beløpet i hele kroner, for eksempel 250 000.",
        "nn": "Skriv beløpet i heile kroner, til dømes 250 000.",
        "en": "Enter the amount in whole kroner, for example 250 000.",
    },
    Msg.AMOUNT_INVALID: {
        "nb": "«{text}» er ikke et beløp. Skriv beløpet i hele kroner, for eksempel 250 000,"
        " eller med øre etter komma: 250 000,50.",
        "nn": "«{text}» er ikkje eit beløp. Skriv beløpet i heile kroner, til dømes 250 000,"
        " eller med øre etter komma: 250 000,50.",
        "en": "“{text}” is not an amount. Enter the amount in whole kroner, for example"
        " 250 000, or with øre after a comma: 250 000,50.",
    },
    Msg.AMOUNT_NEGATIVE: {
        "nb": "Beløpet kan ikke være negativt. Skriv beløpet uten minustegn, for eksempel 250 000.",
        "nn": "Beløpet kan ikkje vere negativt. Skriv beløpet utan minusteikn, til dømes 250 000.",
        "en": "The amount cannot be negative. Enter it without a minus sign, for example 250 000.",
    },
    Msg.AMOUNT_DECIMALS: {
        "nb": "Bruk høyst to desimaler (øre), for eksempel 250 000,50.",
        "nn": "Bruk høgst to desimalar (øre), til dømes 250 000,50.",
        "en": "Use at most two decimals (øre), for example 250 000,50.",
    },
    Msg.AMOUNT_TOO_LARGE: {
        "nb": "Beløpet er for stort. Det kan være høyst {max}.",
        "nn": "Beløpet er for stort. Det kan vere høgst {max}.",
        "en": "The amount is too large. It can be at most {max}.",
    },
    # ---- numbers and percentages ---------------------------------------------------
    Msg.NUMBER_EMPTY: {
        "nb": "Skriv et tall, for eksempel {example}.",
        "nn": "Skriv eit tal, til dømes {example}.",
        "en": "Enter a number, for example {example}.",
    },
    Msg.NUMBER_INVALID: {
        "nb": "«{text}» er ikke et tall. Skriv et tall, for eksempel {example}.",
        "nn": "«{text}» er ikkje eit tal. Skriv eit tal, til dømes {example}.",
        "en": "“{text}” is not a number. Enter a number, for example {example}.",
    },
    Msg.NUMBER_NEGATIVE: {
        "nb": "Tallet kan ikke være negativt. Skriv det uten minustegn, for eksempel {example}.",
        "nn": "Talet kan ikkje vere negativt. Skriv det utan minusteikn, til dømes {example}.",
        "en": "The number cannot be negative. Enter it without a minus sign,"
        " for example {example}.",
    },
    Msg.NUMBER_NOT_WHOLE: {
        "nb": "Skriv et helt tall uten desimaler, for eksempel {example}.",
        "nn": "Skriv eit heilt tal utan desimalar, til dømes {example}.",
        "en": "Enter a whole number without decimals, for example {example}.",
    },
    Msg.NUMBER_DECIMALS: {
        "nb": "Bruk høyst {places} siffer etter komma, for eksempel {example}.",
        "nn": "Bruk høgst {places} siffer etter komma, til dømes {example}.",
        "en": "Use at most {places} digit(s) after the comma, for example {example}.",
    },
    Msg.NUMBER_TOO_LARGE: {
        "nb": "Tallet er for stort. Det kan være høyst {max}.",
        "nn": "Talet er for stort. Det kan vere høgst {max}.",
        "en": "The number is too large. It can be at most {max}.",
    },
    Msg.NUMBER_TOO_LONG: {
        "nb": "Svaret er for langt til å være et tall (høyst {max} tegn)."
        " Skriv bare tallet, for eksempel {example}.",
        "nn": "Svaret er for langt til å vere eit tal (høgst {max} teikn)."
        " Skriv berre talet, til dømes {example}.",
        "en": "The answer is too long to be a number (at most {max} characters)."
        " Enter just the number, for example {example}.",
    },
    Msg.NUMBER_GROUPING: {
        "nb": "Sifrene må stå i grupper på tre, skilt med mellomrom eller punktum,"
        " for eksempel 1 234 567. Du kan også skrive tallet uten mellomrom: 1234567.",
        "nn": "Siffera må stå i grupper på tre, skilde med mellomrom eller punktum,"
        " til dømes 1 234 567. Du kan òg skrive talet utan mellomrom: 1234567.",
        "en": "Digits must be in groups of three separated by spaces or dots,"
        " for example 1 234 567. You can also write the number without spaces: 1234567.",
    },
    Msg.PERCENT_EMPTY: {
        "nb": "Skriv en prosent mellom 0 og 100, for eksempel 80 eller 80,5 %.",
        "nn": "Skriv ein prosent mellom 0 og 100, til dømes 80 eller 80,5 %.",
        "en": "Enter a percentage between 0 and 100, for example 80 or 80,5 %.",
    },
    Msg.PERCENT_OVER_100: {
        "nb": "Prosenten kan ikke være over 100. Skriv et tall mellom 0 og 100, for eksempel 80.",
        "nn": "Prosenten kan ikkje vere over 100. Skriv eit tal mellom 0 og 100, til dømes 80.",
        "en": "The percentage cannot be above 100. Enter a number between 0 and 100,"
        " for example 80.",
    },
    # ---- names of types ------------------------------------------------------------
    Msg.TYPE_NUMBER: {"nb": "et tall", "nn": "eit tal", "en": "a number"},
    Msg.TYPE_TEXT: {"nb": "en tekst", "nn": "ein tekst", "en": "a text"},
    Msg.TYPE_BOOL: {
        "nb": "sann/usann (true/false)",
        "nn": "sann/usann (true/false)",
        "en": "true/false",
    },
    Msg.TYPE_DATE: {"nb": "en dato", "nn": "ein dato", "en": "a date"},
    Msg.TYPE_TEXT_LIST: {
        "nb": "en liste med tekster",
        "nn": "ei liste med tekstar",
        "en": "a list of texts",
    },
    Msg.TYPE_GROUP: {
        "nb": "en gruppe med flere rader",
        "nn": "ei gruppe med fleire rader",
        "en": "a repeating group",
    },
    # ---- expressions: reading ------------------------------------------------------
    Msg.EXPR_EMPTY: {
        "nb": "Uttrykket er tomt.",
        "nn": "Uttrykket er tomt.",
        "en": "The expression is empty.",
    },
    Msg.EXPR_TOO_LONG: {
        "nb": "Uttrykket er for langt (høyst {max} tegn). Del det opp i flere regler.",
        "nn": "Uttrykket er for langt (høgst {max} teikn). Del det opp i fleire reglar.",
        "en": "The expression is too long (at most {max} characters). Split it into several rules.",
    },
    Msg.EXPR_TOO_DEEP: {
        "nb": "Uttrykket er for sammensatt (for mange parenteser eller ledd inni"
        " hverandre). Forenkle det eller del det opp.",
        "nn": "Uttrykket er for samansett (for mange parentesar eller ledd inni"
        " kvarandre). Forenkla det eller del det opp.",
        "en": "The expression is too complex (too many parentheses or parts inside each"
        " other). Simplify it or split it up.",
    },
    Msg.EXPR_UNEXPECTED_CHARACTER: {
        "nb": "Tegnet «{char}» kan ikke brukes i et uttrykk.",
        "nn": "Teiknet «{char}» kan ikkje brukast i eit uttrykk.",
        "en": "The character “{char}” cannot be used in an expression.",
    },
    Msg.EXPR_UNTERMINATED_STRING: {
        "nb": "Teksten som begynner her, mangler avsluttende {quote}.",
        "nn": "Teksten som byrjar her, manglar avsluttande {quote}.",
        "en": "The text that starts here is missing its closing {quote}.",
    },
    Msg.EXPR_DECIMAL_COMMA: {
        "nb": "Bruk punktum som desimaltegn i uttrykk, for eksempel 12.5 (ikke 12,5).",
        "nn": "Bruk punktum som desimalteikn i uttrykk, til dømes 12.5 (ikkje 12,5).",
        "en": "Use a dot as the decimal mark in expressions, for example 12.5 (not 12,5).",
    },
    Msg.EXPR_SINGLE_EQUALS: {
        "nb": "Bruk == for å sammenligne, for eksempel answer == 'yes'."
        " Ett = er ikke lov i uttrykk.",
        "nn": "Bruk == for å samanlikne, til dømes answer == 'yes'. Eitt = er ikkje lov i uttrykk.",
        "en": "Use == to compare, for example answer == 'yes'. A single = is not allowed"
        " in expressions.",
    },
    Msg.EXPR_INVALID_NAME: {
        "nb": "«{name}» er ikke et gyldig navn. Navn skrives med små bokstaver a–z, sifre"
        " og understrek, begynner med en bokstav og har høyst ett punktum (som i"
        " grant.amount). Også true, false, and, or og not skrives med små bokstaver.",
        "nn": "«{name}» er ikkje eit gyldig namn. Namn blir skrivne med små bokstavar a–z,"
        " siffer og understrek, byrjar med ein bokstav og har høgst eitt punktum (som i"
        " grant.amount). Òg true, false, and, or og not blir skrivne med små bokstavar.",
        "en": "“{name}” is not a valid name. Names use lowercase letters a–z, digits and"
        " underscores, start with a letter and have at most one dot (as in grant.amount)."
        " true, false, and, or and not are lowercase too.",
    },
    Msg.EXPR_EXPECTED_VALUE: {
        "nb": "Her mangler en verdi (et tall, en tekst i anførselstegn, et navn eller en"
        " parentes), men det står «{token}».",
        "nn": "Her manglar ein verdi (eit tal, ein tekst i hermeteikn, eit namn eller ein"
        " parentes), men det står «{token}».",
        "en": "A value is missing here (a number, a text in quotes, a name or a"
        " parenthesis), but there is “{token}”.",
    },
    Msg.EXPR_UNEXPECTED_END: {
        "nb": "Uttrykket slutter for tidlig: det mangler en verdi på slutten.",
        "nn": "Uttrykket sluttar for tidleg: det manglar ein verdi på slutten.",
        "en": "The expression ends too early: a value is missing at the end.",
    },
    Msg.EXPR_UNEXPECTED_TOKEN: {
        "nb": "Uventet «{token}» her. Mangler det and, or eller et regnetegn foran?",
        "nn": "Uventa «{token}» her. Manglar det and, or eller eit rekneteikn framfor?",
        "en": "Unexpected “{token}” here. Is an and, an or or an operator missing before it?",
    },
    Msg.EXPR_UNCLOSED_PAREN: {
        "nb": "Parentesen som åpnes her, blir aldri lukket. Legg til «)».",
        "nn": "Parentesen som blir opna her, blir aldri lukka. Legg til «)».",
        "en": "The parenthesis opened here is never closed. Add “)”.",
    },
    Msg.EXPR_UNCLOSED_LIST: {
        "nb": "Listen som begynner her, blir aldri lukket. Legg til «]».",
        "nn": "Lista som byrjar her, blir aldri lukka. Legg til «]».",
        "en": "The list that starts here is never closed. Add “]”.",
    },
    Msg.EXPR_UNMATCHED_CLOSE: {
        "nb": "«{token}» lukker noe som aldri ble åpnet.",
        "nn": "«{token}» lukkar noko som aldri vart opna.",
        "en": "“{token}” closes something that was never opened.",
    },
    Msg.EXPR_CHAINED_COMPARISON: {
        "nb": "Bare én sammenligning om gangen: skriv for eksempel a < b and b < c"
        " i stedet for a < b < c.",
        "nn": "Berre éi samanlikning om gongen: skriv til dømes a < b and b < c"
        " i staden for a < b < c.",
        "en": "One comparison at a time: write for example a < b and b < c instead of a < b < c.",
    },
    Msg.EXPR_LIST_NEEDS_TEXT: {
        "nb": "En liste kan bare inneholde tekster i anførselstegn, for eksempel"
        " ['a', 'b'], men her står «{token}».",
        "nn": "Ei liste kan berre innehalde tekstar i hermeteikn, til dømes"
        " ['a', 'b'], men her står «{token}».",
        "en": "A list can only contain texts in quotes, such as ['a', 'b'], but here is “{token}”.",
    },
    Msg.EXPR_UNKNOWN_FUNCTION: {
        "nb": "Ukjent funksjon «{name}». Disse funksjonene finnes: {functions}.",
        "nn": "Ukjend funksjon «{name}». Desse funksjonane finst: {functions}.",
        "en": "Unknown function “{name}”. These functions exist: {functions}.",
    },
    Msg.EXPR_FUNCTION_ARGUMENTS: {
        "nb": "{function}(…) skal ha nøyaktig ett argument mellom parentesene.",
        "nn": "{function}(…) skal ha nøyaktig eitt argument mellom parentesane.",
        "en": "{function}(…) takes exactly one argument between the parentheses.",
    },
    # ---- expressions: names and types ----------------------------------------------
    Msg.EXPR_UNKNOWN_NAME: {
        "nb": "Ukjent navn «{name}»: det er ikke et spørsmål før dette eller et kjent"
        " felt som grant.amount.",
        "nn": "Ukjend namn «{name}»: det er ikkje eit spørsmål før dette eller eit kjent"
        " felt som grant.amount.",
        "en": "Unknown name “{name}”: it is not a question before this one or a known"
        " field such as grant.amount.",
    },
    Msg.EXPR_UNKNOWN_NAME_SUGGEST: {
        "nb": "Ukjent navn «{name}»: det er ikke et spørsmål før dette eller et kjent"
        " felt som grant.amount. Mente du {suggestions}?",
        "nn": "Ukjend namn «{name}»: det er ikkje eit spørsmål før dette eller eit kjent"
        " felt som grant.amount. Meinte du {suggestions}?",
        "en": "Unknown name “{name}”: it is not a question before this one or a known"
        " field such as grant.amount. Did you mean {suggestions}?",
    },
    Msg.EXPR_UNKNOWN_FIELD: {
        "nb": "Gruppen «{group}» har ikke feltet «{field}». Feltene er: {fields}.",
        "nn": "Gruppa «{group}» har ikkje feltet «{field}». Felta er: {fields}.",
        "en": "The group “{group}” has no field “{field}”. Its fields are: {fields}.",
    },
    Msg.EXPR_GROUP_FIELD_OUTSIDE: {
        "nb": "«{name}» er et felt i gruppen «{group}», som har flere rader. Bruk det inne"
        " i sum(…), min(…) eller max(…), eller tell radene med count({group}).",
        "nn": "«{name}» er eit felt i gruppa «{group}», som har fleire rader. Bruk det inne"
        " i sum(…), min(…) eller max(…), eller tel radene med count({group}).",
        "en": "“{name}” is a field of the repeating group “{group}”. Use it inside"
        " sum(…), min(…) or max(…), or count the rows with count({group}).",
    },
    Msg.EXPR_NEEDS_NUMBER: {
        "nb": "«{op}» regner med tall, men «{operand}» er {actual}.",
        "nn": "«{op}» reknar med tal, men «{operand}» er {actual}.",
        "en": "“{op}” works on numbers, but “{operand}” is {actual}.",
    },
    Msg.EXPR_NEEDS_BOOL: {
        "nb": "«{op}» trenger sann/usann (true/false), men «{operand}» er {actual}."
        " Sammenlign det med noe, for eksempel «{operand} > 0».",
        "nn": "«{op}» treng sann/usann (true/false), men «{operand}» er {actual}."
        " Samanlikn det med noko, til dømes «{operand} > 0».",
        "en": "“{op}” needs true/false, but “{operand}” is {actual}."
        " Compare it with something, for example “{operand} > 0”.",
    },
    Msg.EXPR_CANNOT_ORDER: {
        "nb": "«{op}» kan bare sammenligne tall eller datoer, men «{operand}» er {actual}.",
        "nn": "«{op}» kan berre samanlikne tal eller datoar, men «{operand}» er {actual}.",
        "en": "“{op}” can only compare numbers or dates, but “{operand}” is {actual}.",
    },
    Msg.EXPR_CANNOT_COMPARE: {
        "nb": "«{op}» kan ikke brukes på «{operand}», som er {actual}.",
        "nn": "«{op}» kan ikkje brukast på «{operand}», som er {actual}.",
        "en": "“{op}” cannot be used on “{operand}”, which is {actual}.",
    },
    Msg.EXPR_COMPARE_MISMATCH: {
        "nb": "Kan ikke sammenligne {left} med {actual} («{operand}»).",
        "nn": "Kan ikkje samanlikne {left} med {actual} («{operand}»).",
        "en": "Cannot compare {left} with {actual} (“{operand}”).",
    },
    Msg.EXPR_IN_NEEDS_TEXT: {
        "nb": "Til venstre for «{op}» må det stå en tekst, for eksempel 'outreach',"
        " men «{operand}» er {actual}.",
        "nn": "Til venstre for «{op}» må det stå ein tekst, til dømes 'outreach',"
        " men «{operand}» er {actual}.",
        "en": "To the left of “{op}” there must be a text, such as 'outreach',"
        " but “{operand}” is {actual}.",
    },
    Msg.EXPR_IN_NEEDS_LIST: {
        "nb": "Til høyre for «{op}» må det stå en liste, for eksempel ['a', 'b'], eller et"
        " flervalgsspørsmål, men «{operand}» er {actual}.",
        "nn": "Til høgre for «{op}» må det stå ei liste, til dømes ['a', 'b'], eller eit"
        " fleirvalsspørsmål, men «{operand}» er {actual}.",
        "en": "To the right of “{op}” there must be a list, such as ['a', 'b'], or a"
        " multiple-choice question, but “{operand}” is {actual}.",
    },
    Msg.EXPR_COUNT_NEEDS_GROUP: {
        "nb": "count(…) teller radene i en gruppe med flere rader, for eksempel"
        " count(positions), men «{operand}» er {actual}.",
        "nn": "count(…) tel radene i ei gruppe med fleire rader, til dømes"
        " count(positions), men «{operand}» er {actual}.",
        "en": "count(…) counts the rows of a repeating group, such as count(positions),"
        " but “{operand}” is {actual}.",
    },
    Msg.EXPR_AGGREGATE_NEEDS_FIELD: {
        "nb": "{function}(…) regner over et felt i en gruppe med flere rader, for eksempel"
        " {function}(positions.fte), men «{operand}» er ikke et slikt felt.",
        "nn": "{function}(…) reknar over eit felt i ei gruppe med fleire rader, til dømes"
        " {function}(positions.fte), men «{operand}» er ikkje eit slikt felt.",
        "en": "{function}(…) works over a field of a repeating group, such as"
        " {function}(positions.fte), but “{operand}” is not such a field.",
    },
    Msg.EXPR_ANSWERED_NEEDS_NAME: {
        "nb": "answered(…) trenger navnet på et spørsmål, for eksempel answered(reason),"
        " men her står «{operand}».",
        "nn": "answered(…) treng namnet på eit spørsmål, til dømes answered(reason),"
        " men her står «{operand}».",
        "en": "answered(…) needs the name of a question, such as answered(reason),"
        " but here is “{operand}”.",
    },
    Msg.EXPR_RESULT_TYPE: {
        "nb": "Uttrykket må gi {expected}, men gir {actual}.",
        "nn": "Uttrykket må gi {expected}, men gir {actual}.",
        "en": "The expression must give {expected}, but gives {actual}.",
    },
    # ---- questionnaire files (forms/loader.py) ----------------------------------------
    # ---- answers typed into a form ------------------------------------------------
    Msg.FIELD_REQUIRED: {
        "nb": "Svar på dette spørsmålet.",
        "nn": "Svar på dette spørsmålet.",
        "en": "Answer this question.",
    },
    Msg.FIELD_TOO_SMALL: {
        "nb": "Tallet kan ikke være mindre enn {min}.",
        "nn": "Talet kan ikkje vere mindre enn {min}.",
        "en": "The number cannot be less than {min}.",
    },
    Msg.FIELD_TOO_LARGE: {
        "nb": "Tallet kan ikke være større enn {max}.",
        "nn": "Talet kan ikkje vere større enn {max}.",
        "en": "The number cannot be greater than {max}.",
    },
    Msg.TEXT_TOO_LONG: {
        "nb": "Teksten er for lang: {length} tegn. Skriv høyst {max} tegn.",
        "nn": "Teksten er for lang: {length} teikn. Skriv høgst {max} teikn.",
        "en": "The text is too long: {length} characters. Write at most {max} characters.",
    },
    Msg.DATE_INVALID: {
        "nb": "«{text}» er ikke en dato. Skriv datoen som dd.mm.åååå, for eksempel 01.04.2023.",
        "nn": "«{text}» er ikkje ein dato. Skriv datoen som dd.mm.åååå, til dømes 01.04.2023.",
        "en": "“{text}” is not a date. Enter the date as dd.mm.yyyy, for example 01.04.2023.",
    },
    Msg.DATE_TOO_EARLY: {
        "nb": "Datoen kan ikke være før {min}.",
        "nn": "Datoen kan ikkje vere før {min}.",
        "en": "The date cannot be before {min}.",
    },
    Msg.DATE_TOO_LATE: {
        "nb": "Datoen kan ikke være etter {max}.",
        "nn": "Datoen kan ikkje vere etter {max}.",
        "en": "The date cannot be after {max}.",
    },
    Msg.CHOICE_UNKNOWN: {
        "nb": "Velg et av alternativene i listen.",
        "nn": "Vel eitt av alternativa i lista.",
        "en": "Choose one of the options in the list.",
    },
    Msg.CHOICE_EXCLUSIVE: {
        "nb": "«{choice}» kan ikke kombineres med andre valg. Fjern enten «{choice}» eller de andre kryssene.",
        "nn": "«{choice}» kan ikkje kombinerast med andre val. Fjern anten «{choice}» eller dei andre kryssa.",
        "en": "“{choice}” cannot be combined with other choices. Untick either “{choice}” or the others.",
    },
    Msg.CHOICE_TOO_FEW: {
        "nb": "Kryss av for minst {min}.",
        "nn": "Kryss av for minst {min}.",
        "en": "Tick at least {min}.",
    },
    Msg.CHOICE_TOO_MANY: {
        "nb": "Kryss av for høyst {max}.",
        "nn": "Kryss av for høgst {max}.",
        "en": "Tick at most {max}.",
    },
    Msg.SCALE_INVALID: {
        "nb": "Velg et tall fra {min} til {max}.",
        "nn": "Vel eit tal frå {min} til {max}.",
        "en": "Choose a number from {min} to {max}.",
    },
    Msg.GROUP_TOO_FEW: {
        "nb": "Fyll ut minst {min} rader.",
        "nn": "Fyll ut minst {min} rader.",
        "en": "Fill in at least {min} rows.",
    },
    Msg.GROUP_TOO_MANY: {
        "nb": "Tabellen kan ha høyst {max} rader.",
        "nn": "Tabellen kan ha høgst {max} rader.",
        "en": "The table can have at most {max} rows.",
    },
    Msg.FORM_YES: {"nb": "Ja", "nn": "Ja", "en": "Yes"},
    Msg.FORM_NO: {"nb": "Nei", "nn": "Nei", "en": "No"},
    Msg.FORM_DONT_KNOW: {"nb": "Vet ikke", "nn": "Veit ikkje", "en": "Don't know"},
    Msg.FORM_SCALE_POINT: {
        "nb": "{value} på skalaen {low}–{high}, der {low} er «{low_label}» og {high} er "
              "«{high_label}»",
        "nn": "{value} på skalaen {low}–{high}, der {low} er «{low_label}» og {high} er "
              "«{high_label}»",
        "en": "{value} on the scale {low}–{high}, where {low} is “{low_label}” and {high} is "
              "“{high_label}”",
    },
    Msg.FORM_CHOOSE: {"nb": "Velg …", "nn": "Vel …", "en": "Choose …"},
    Msg.FORM_ADD_ROW: {"nb": "Legg til rad", "nn": "Legg til rad", "en": "Add row"},
    Msg.FORM_REMOVE_ROW: {
        "nb": "Fjern rad {number}",
        "nn": "Fjern rad {number}",
        "en": "Remove row {number}",
    },
    Msg.FORM_ROW: {"nb": "Rad {number}", "nn": "Rad {number}", "en": "Row {number}"},
    Msg.FORM_NOT_COMPUTED: {
        "nb": "Regnes ut når feltene over er fylt ut.",
        "nn": "Blir rekna ut når felta over er fylte ut.",
        "en": "Calculated when the fields above are filled in.",
    },
    Msg.FORM_PRIVACY_WARNING: {
        "nb": "Ikke skriv navn eller helseopplysninger om personer som kan kjennes igjen. I en liten kommune kan også en beskrivelse peke ut én person.",
        "nn": "Ikkje skriv namn eller helseopplysningar om personar som kan kjennast att. I ein liten kommune kan òg ei skildring peike ut éin person.",
        "en": "Do not write names or health information about people who can be identified. In a small municipality, a description can also point to one person.",
    },
    Msg.FORM_MAX_LENGTH: {
        "nb": "Høyst {max} tegn.",
        "nn": "Høgst {max} teikn.",
        "en": "At most {max} characters.",
    },
    Msg.FORM_DATE_HINT: {
        "nb": "Skriv datoen som dd.mm.åååå, for eksempel 01.04.2023.",
        "nn": "Skriv datoen som dd.mm.åååå, til dømes 01.04.2023.",
        "en": "Enter the date as dd.mm.yyyy, for example 01.04.2023.",
    },
    Msg.Q_YAML: {
        "nb": "Filen er ikke gyldig YAML: {problem}.",
        "nn": "Fila er ikkje gyldig YAML: {problem}.",
        "en": "The file is not valid YAML: {problem}.",
    },
    Msg.Q_NOT_MAPPING: {
        "nb": "«{what}» skal være en liste med nøkler (nøkkel: verdi).",
        "nn": "«{what}» skal vere ei liste med nøklar (nøkkel: verdi).",
        "en": "'{what}' must be a set of keys (key: value).",
    },
    Msg.Q_NOT_LIST: {
        "nb": "«{what}» skal være en liste (linjer som begynner med «- »).",
        "nn": "«{what}» skal vere ei liste (linjer som byrjar med «- »).",
        "en": "'{what}' must be a list (lines starting with '- ').",
    },
    Msg.Q_UNKNOWN_KEY: {
        "nb": "Ukjent nøkkel «{key}» i {where}. Tillatt her: {allowed}.",
        "nn": "Ukjend nøkkel «{key}» i {where}. Tillate her: {allowed}.",
        "en": "Unknown key '{key}' in {where}. Allowed here: {allowed}.",
    },
    Msg.Q_MISSING_KEY: {
        "nb": "Nøkkelen «{key}» mangler ({where}).",
        "nn": "Nøkkelen «{key}» manglar ({where}).",
        "en": "The key '{key}' is missing ({where}).",
    },
    Msg.Q_UNKNOWN_LANGUAGE: {
        "nb": "Ukjent språk «{language}»: bruk nb, nn eller en.",
        "nn": "Ukjent språk «{language}»: bruk nb, nn eller en.",
        "en": "Unknown language '{language}': use nb, nn or en.",
    },
    Msg.Q_MISSING_NB: {
        "nb": "«{key}» mangler tekst på bokmål (nb).",
        "nn": "«{key}» manglar tekst på bokmål (nb).",
        "en": "'{key}' has no text in bokmål (nb).",
    },
    Msg.Q_BAD_ID: {
        "nb": "«{value}» kan ikke brukes som {key}: bruk små bokstaver, tall og _ (eller - i id for skjemaet), og begynn med en bokstav.",
        "nn": "«{value}» kan ikkje brukast som {key}: bruk små bokstavar, tal og _ (eller - i id for skjemaet), og byrj med ein bokstav.",
        "en": "'{value}' cannot be used as {key}: use lowercase letters, digits and _ (or - in the questionnaire id), starting with a letter.",
    },
    Msg.Q_BAD_VERSION: {
        "nb": "version skal være et helt tall, 1 eller høyere.",
        "nn": "version skal vere eit heiltal, 1 eller høgare.",
        "en": "version must be a whole number, 1 or more.",
    },
    Msg.Q_NOT_NUMBER: {
        "nb": "«{key}» skal være et tall.",
        "nn": "«{key}» skal vere eit tal.",
        "en": "'{key}' must be a number.",
    },
    Msg.Q_NOT_BOOL: {
        "nb": "«{key}» skal være true eller false.",
        "nn": "«{key}» skal vere true eller false.",
        "en": "'{key}' must be true or false.",
    },
    Msg.Q_NOT_EXPRESSION: {
        "nb": "«{key}» skal være et uttrykk skrevet som tekst.",
        "nn": "«{key}» skal vere eit uttrykk skrive som tekst.",
        "en": "'{key}' must be an expression written as text.",
    },
    Msg.Q_NOT_CONDITION: {
        "nb": "«{key}» skal være et vilkår som er sant eller usant, for eksempel brukt <= mottatt.",
        "nn": "«{key}» skal vere eit vilkår som er sant eller usant, til dømes brukt <= motteke.",
        "en": "'{key}' must be a condition that is true or false, e.g. used <= received.",
    },
    Msg.Q_UNKNOWN_TYPE: {
        "nb": "Ukjent spørsmålstype «{type}». Tillatt her: {types}.",
        "nn": "Ukjend spørsmålstype «{type}». Tillate her: {types}.",
        "en": "Unknown question type '{type}'. Allowed here: {types}.",
    },
    Msg.R_NOT_ONE_OF: {
        "nb": "«{value}» kan ikke brukes som {key}. Tillatt: {allowed}.",
        "nn": "«{value}» kan ikkje brukast som {key}. Tillate: {allowed}.",
        "en": "'{value}' cannot be used as {key}. Allowed: {allowed}.",
    },
    Msg.R_DUPLICATE_RULE: {
        "nb": "Regelen «{id}» er definert før (linje {line}). Hver regel trenger sin egen id.",
        "nn": "Regelen «{id}» er definert før (linje {line}). Kvar regel treng sin eigen id.",
        "en": "The rule '{id}' is defined before (line {line}). Every rule needs its own id.",
    },
    Msg.R_NOTHING_WITH_AMOUNT: {
        "nb": "En regel med reclaims: none krever ikke noe tilbake, så amount må være \"0\" "
              "(nå: {amount}). Si hvilken del av tilskuddet regelen krever tilbake.",
        "nn": "Ein regel med reclaims: none krev ikkje noko tilbake, så amount må vere \"0\" "
              "(no: {amount}). Sei kva del av tilskotet regelen krev tilbake.",
        "en": "A rule with reclaims: none claims nothing back, so its amount must be \"0\" "
              "(now: {amount}). Say which part of the grant the rule reclaims.",
    },
    Msg.R_UNKNOWN_SCHEME: {
        "nb": "Det finnes ikke noe skjema med id «{scheme}» som reglene kan gjelde for.",
        "nn": "Det finst ikkje noko skjema med id «{scheme}» som reglane kan gjelde for.",
        "en": "There is no questionnaire with the id '{scheme}' for the rules to apply to.",
    },
    Msg.Q_DUPLICATE_ID: {
        "nb": "Id-en «{id}» er brukt før (linje {line}). Hvert spørsmål trenger sin egen id.",
        "nn": "Id-en «{id}» er brukt før (linje {line}). Kvart spørsmål treng sin eigen id.",
        "en": "The id '{id}' is used before (line {line}). Every question needs its own id.",
    },
    Msg.Q_DUPLICATE_SECTION: {
        "nb": "Siden «{id}» finnes fra før. Hver side trenger sin egen id.",
        "nn": "Sida «{id}» finst frå før. Kvar side treng sin eigen id.",
        "en": "The page '{id}' exists already. Every page needs its own id.",
    },
    Msg.Q_DUPLICATE_CODE: {
        "nb": "Koden «{choice}» er brukt før i samme spørsmål (linje {line}).",
        "nn": "Koden «{choice}» er brukt før i same spørsmål (linje {line}).",
        "en": "The code '{choice}' is used before in the same question (line {line}).",
    },
    Msg.Q_NO_CHOICES: {
        "nb": "«{key}» må ha minst ett valg.",
        "nn": "«{key}» må ha minst eitt val.",
        "en": "'{key}' needs at least one choice.",
    },
    Msg.Q_BAD_PREFILL: {
        "nb": "Kan ikke forhåndsutfylle med «{value}». Tillatt: {names}.",
        "nn": "Kan ikkje førehandsutfylle med «{value}». Tillate: {names}.",
        "en": "Cannot prefill with '{value}'. Allowed: {names}.",
    },
    Msg.Q_DUPLICATE_VERSION: {
        "nb": "Skjemaet {id} versjon {version} finnes også i {other}. Gi den nye filen neste versjonsnummer.",
        "nn": "Skjemaet {id} versjon {version} finst òg i {other}. Gi den nye fila neste versjonsnummer.",
        "en": "Questionnaire {id} version {version} also exists in {other}. Give the new file the next version number.",
    },
    Msg.Q_TYPE_CHANGED: {
        "nb": "Spørsmålet «{id}» var av typen {old} i versjon {version} og kan ikke bli {new}: en id beholder sin betydning. Gi spørsmålet en ny id.",
        "nn": "Spørsmålet «{id}» var av typen {old} i versjon {version} og kan ikkje bli {new}: ein id held på tydinga si. Gi spørsmålet ein ny id.",
        "en": "The question '{id}' was of type {old} in version {version} and cannot become {new}: an id keeps its meaning. Give the question a new id.",
    },
    # ---- question roles (forms/loader.py) --------------------------------------------
    Msg.Q_UNKNOWN_ROLE: {
        "nb": "Ukjent rolle «{value}». Tillatt: {roles}.",
        "nn": "Ukjend rolle «{value}». Tillate: {roles}.",
        "en": "Unknown role '{value}'. Allowed: {roles}.",
    },
    Msg.Q_ROLE_TYPE: {
        "nb": "Rollen {role} kan bare stå på et spørsmål av typen amount (eller integer, decimal, eller computed med et tall), ikke på {type}.",
        "nn": "Rolla {role} kan berre stå på eit spørsmål av typen amount (eller integer, decimal, eller computed med eit tal), ikkje på {type}.",
        "en": "The role {role} can only be on a question of type amount (or integer, decimal, or computed with a number), not on {type}.",
    },
    Msg.Q_ROLE_IN_GROUP: {
        "nb": "Rollen {role} kan ikke stå på en kolonne i en gruppe ({type}): den gjelder ett svar for hele rapporten. Flytt den til et spørsmål utenfor gruppen, for eksempel en sum (computed).",
        "nn": "Rolla {role} kan ikkje stå på ein kolonne i ei gruppe ({type}): ho gjeld eitt svar for heile rapporten. Flytt ho til eit spørsmål utanfor gruppa, til dømes ein sum (computed).",
        "en": "The role {role} cannot be on a column of a group ({type}): it is one answer for the whole report. Move it to a question outside the group, such as a sum (computed).",
    },
    Msg.Q_DUPLICATE_ROLE: {
        "nb": "Rollen {role} er allerede gitt til spørsmålet på linje {line}. Hver rolle kan brukes én gang i et skjema.",
        "nn": "Rolla {role} er alt gitt til spørsmålet på linje {line}. Kvar rolle kan brukast éin gong i eit skjema.",
        "en": "The role {role} is already given to the question on line {line}. Each role can be used once in a questionnaire.",
    },
    Msg.Q_ROLE_MISSING: {
        "nb": "Advarsel: skjemaet {id} spør om beløp, men ingen spørsmål har «role: {role}», så kolonnen «{column}» i økonomirapporten blir tom. Legg «role: {role}» til spørsmålet om dette beløpet.",
        "nn": "Åtvaring: skjemaet {id} spør om beløp, men ingen spørsmål har «role: {role}», så kolonnen «{column}» i økonomirapporten blir tom. Legg «role: {role}» til spørsmålet om dette beløpet.",
        "en": "Warning: questionnaire {id} asks for amounts, but no question has 'role: {role}', so the column '{column}' of the economy report stays empty. Add 'role: {role}' to the question asking for this amount.",
    },
    # ---- application pages (forms/loader.py, issue 16) -------------------------------
    Msg.Q_APPLICATION_ROLE_TYPE: {
        "nb": "Rollen {role} kan bare stå på et spørsmål av typen {types}, ikke på {type}.",
        "nn": "Rolla {role} kan berre stå på eit spørsmål av typen {types}, ikkje på {type}.",
        "en": "The role {role} can only be on a question of type {types}, not on {type}.",
    },
    Msg.Q_APPLICATION_ROLE_OUTSIDE: {
        "nb": "Rollen {role} hører til en søknadsside, men siden «{section}» har ikke «application: true». Merk siden som søknad, eller fjern rollen.",
        "nn": "Rolla {role} høyrer til ei søknadsside, men sida «{section}» har ikkje «application: true». Merk sida som søknad, eller fjern rolla.",
        "en": "The role {role} belongs on an application page, but the page '{section}' does not have 'application: true'. Mark the page as an application, or remove the role.",
    },
    Msg.Q_APPLICATION_ROLE_MISSING: {
        "nb": "Søknadssiden «{section}» har ikke noe spørsmål med «role: {role}», som tjenesten trenger for å lese søknaden. Legg rollen til det spørsmålet som gjelder.",
        "nn": "Søknadssida «{section}» har ikkje noko spørsmål med «role: {role}», som tenesta treng for å lese søknaden. Legg rolla til det spørsmålet det gjeld.",
        "en": "The application page '{section}' has no question with 'role: {role}', which the service needs to read the application. Add the role to the question it belongs to.",
    },
    Msg.Q_COLUMN_ROLE_MISSING: {
        "nb": "Gruppen «{id}» har «role: applied_positions», men ingen kolonne har «role: {role}». Legg rollen til den kolonnen som gjelder.",
        "nn": "Gruppa «{id}» har «role: applied_positions», men ingen kolonne har «role: {role}». Legg rolla til den kolonnen det gjeld.",
        "en": "The group '{id}' has 'role: applied_positions', but no column has 'role: {role}'. Add the role to the column it belongs to.",
    },
    Msg.Q_COLUMN_ROLE_OUTSIDE: {
        "nb": "Kolonnerollen {role} kan bare stå i gruppen med «role: applied_positions», ikke i «{id}».",
        "nn": "Kolonnerolla {role} kan berre stå i gruppa med «role: applied_positions», ikkje i «{id}».",
        "en": "The column role {role} can only be in the group with 'role: applied_positions', not in '{id}'.",
    },
    # ---- `check`: the file's text (forms/source.py) --------------------------------
    Msg.Q_TOO_LARGE: {
        "nb": "Filen er for stor ({size}). En fil kan være høyst {max}.",
        "nn": "Fila er for stor ({size}). Ei fil kan vere høgst {max}.",
        "en": "The file is too large ({size}). A file can be at most {max}.",
    },
    Msg.Q_TOO_DEEP: {
        "nb": "Her er det mer enn {max} nivåer inni hverandre. Et skjema trenger ikke så"
              " mange: sjekk innrykket og klammene {{ }} og [ ].",
        "nn": "Her er det meir enn {max} nivå inni kvarandre. Eit skjema treng ikkje så"
              " mange: sjekk innrykket og klammene {{ }} og [ ].",
        "en": "More than {max} levels are nested here. A questionnaire needs nowhere near"
              " that many: check the indentation and the brackets {{ }} and [ ].",
    },
    Msg.Q_BINARY: {
        "nb": "Dette er ikke en tekstfil. Lagre skjemaet som ren tekst (UTF-8), for eksempel"
              " fra Notisblokk eller en kodeeditor, ikke fra Word.",
        "nn": "Dette er ikkje ei tekstfil. Lagre skjemaet som rein tekst (UTF-8), til dømes"
              " frå Notisblokk eller ein kodeeditor, ikkje frå Word.",
        "en": "This is not a text file. Save the questionnaire as plain text (UTF-8), for"
              " example from Notepad or a code editor, not from Word.",
    },
    Msg.Q_NOT_UTF8: {
        "nb": "Filen er ikke lagret som UTF-8 (byte {byte} her kan ikke leses): lagre den på"
              " nytt med tegnkoding UTF-8, så æ, ø og å blir riktige.",
        "nn": "Fila er ikkje lagra som UTF-8 (byte {byte} her kan ikkje lesast): lagre ho på"
              " nytt med teiknkoding UTF-8, så æ, ø og å blir rette.",
        "en": "The file is not saved as UTF-8 (byte {byte} here cannot be read): save it"
              " again with the encoding UTF-8, so that æ, ø and å come out right.",
    },
    Msg.Q_CONTROL_CHARACTER: {
        "nb": "Her står et usynlig kontrolltegn ({character}). Slett det og skriv teksten på nytt;"
              " det kommer ofte med når tekst kopieres fra andre programmer.",
        "nn": "Her står eit usynleg kontrollteikn ({character}). Slett det og skriv teksten på nytt;"
              " det kjem ofte med når tekst blir kopiert frå andre program.",
        "en": "There is an invisible control character here ({character}). Delete it and type the"
              " text again; it often comes along when text is copied from other programs.",
    },
    Msg.Q_YAML_ANCHOR: {
        "nb": "Ankre og henvisninger (&{name}, *{name}) er ikke tillatt i disse filene."
              " Skriv teksten ut på hvert sted den skal stå.",
        "nn": "Ankre og tilvisingar (&{name}, *{name}) er ikkje tillatne i desse filene."
              " Skriv teksten ut på kvar stad han skal stå.",
        "en": "Anchors and aliases (&{name}, *{name}) are not allowed in these files."
              " Write the text out in each place it belongs.",
    },
    Msg.Q_YAML_TAG: {
        "nb": "Merket «{tag}» er ikke tillatt: en verdi skal ikke begynne med !. Skriv"
              " verdien uten merket, eller sett den i anførselstegn hvis ! hører til teksten.",
        "nn": "Merket «{tag}» er ikkje tillate: ein verdi skal ikkje byrje med !. Skriv"
              " verdien utan merket, eller set han i hermeteikn viss ! høyrer til teksten.",
        "en": "The tag '{tag}' is not allowed: a value must not start with !. Write the value"
              " without it, or put it in quotes if the ! belongs to the text.",
    },
    Msg.Q_YAML_TAB: {
        "nb": "Et tabulatortegn: bruk mellomrom til innrykk, ikke tabulator.",
        "nn": "Eit tabulatorteikn: bruk mellomrom til innrykk, ikkje tabulator.",
        "en": "A tab character: use spaces for indentation, not tabs.",
    },
    Msg.Q_YAML_COMMA: {
        "nb": "En tekst med komma, kolon, anførselstegn eller {{…}} i må stå i anførselstegn"
              " eller på en egen linje: skriv for eksempel nb: \"Hjelp til barn, unge og"
              " voksne\".",
        "nn": "Ein tekst med komma, kolon, hermeteikn eller {{…}} i må stå i hermeteikn"
              " eller på ei eiga linje: skriv til dømes nb: \"Hjelp til barn, unge og"
              " vaksne\".",
        "en": "A text with a comma, colon, quote or {{…}} in it must be in quotes or on its"
              " own line: write for example nb: \"Help for children, youth and adults\".",
    },
    Msg.Q_YAML_DUPLICATE_KEY: {
        "nb": "Nøkkelen «{key}» står to ganger på samme nivå (første gang på linje {line})."
              " Slett den ene, eller rett innrykket hvis den hører til noe annet.",
        "nn": "Nøkkelen «{key}» står to gonger på same nivå (første gong på linje {line})."
              " Slett den eine, eller rett innrykket viss han høyrer til noko anna.",
        "en": "The key '{key}' appears twice at the same level (first on line {line})."
              " Delete one, or fix the indentation if it belongs to something else.",
    },
    Msg.Q_YAML_UNCLOSED_QUOTE: {
        "nb": "Anførselstegnet som begynner her, blir aldri lukket. Sett et likt"
              " anførselstegn på slutten av teksten.",
        "nn": "Hermeteiknet som byrjar her, blir aldri lukka. Set eit likt hermeteikn på"
              " slutten av teksten.",
        "en": "The quote that starts here is never closed. Put the same quote mark at the end"
              " of the text.",
    },
    Msg.Q_YAML_UNCLOSED_BRACKET: {
        "nb": "{bracket} som begynner her, blir aldri lukket: sett {closing} på slutten av"
              " linjen.",
        "nn": "{bracket} som byrjar her, blir aldri lukka: set {closing} på slutten av"
              " linja.",
        "en": "The {bracket} that starts here is never closed: put {closing} at the end of"
              " the line.",
    },
    Msg.Q_YAML_INDENT: {
        "nb": "Innrykk: denne linjen må begynne rett under «{key}» (linje {line}, kolonne"
              " {column}).",
        "nn": "Innrykk: denne linja må byrje rett under «{key}» (linje {line}, kolonne"
              " {column}).",
        "en": "Indentation: this line must start right under '{key}' (line {line}, column"
              " {column}).",
    },
    Msg.Q_YAML_INDENT_UNDER: {
        "nb": "Innrykk: denne linjen må begynne rett under «{key}» (linje {line}, kolonne"
              " {column}) for å høre til «{parent}».",
        "nn": "Innrykk: denne linja må byrje rett under «{key}» (linje {line}, kolonne"
              " {column}) for å høyre til «{parent}».",
        "en": "Indentation: this line must start right under '{key}' (line {line}, column"
              " {column}) to belong to '{parent}'.",
    },
    Msg.Q_YAML_INDENT_GENERAL: {
        "nb": "Innrykk: denne linjen begynner i feil kolonne. Linjer som hører sammen, må"
              " begynne rett under hverandre.",
        "nn": "Innrykk: denne linja byrjar i feil kolonne. Linjer som høyrer saman, må"
              " byrje rett under kvarandre.",
        "en": "Indentation: this line starts in the wrong column. Lines that belong together"
              " must start right under each other.",
    },
    # ---- `check`: keys, texts and names --------------------------------------------
    Msg.Q_UNKNOWN_KEY_SUGGEST: {
        "nb": "Ukjent nøkkel «{key}» i {where}. Mente du {suggestions}? Tillatt her: {allowed}.",
        "nn": "Ukjend nøkkel «{key}» i {where}. Meinte du {suggestions}? Tillate her: {allowed}.",
        "en": "Unknown key '{key}' in {where}. Did you mean {suggestions}? Allowed here:"
              " {allowed}.",
    },
    Msg.Q_TEXT_COMMA: {
        "nb": "«{text}» ble lest som et eget språk fordi teksten foran har et komma. En tekst"
              " med komma i må stå i anførselstegn: nb: \"…, {text}\".",
        "nn": "«{text}» vart lese som eit eige språk fordi teksten framfor har eit komma. Ein"
              " tekst med komma i må stå i hermeteikn: nb: \"…, {text}\".",
        "en": "'{text}' was read as a language of its own because the text before it has a"
              " comma. A text with a comma in it must be in quotes: nb: \"…, {text}\".",
    },
    Msg.Q_LATER_QUESTION: {
        "nb": "Spørsmålet «{name}» kommer senere i skjemaet (linje {line}). Et uttrykk kan"
              " bare bruke svar på spørsmål som kommer før det: flytt spørsmålet opp, eller"
              " flytt vilkåret ned.",
        "nn": "Spørsmålet «{name}» kjem seinare i skjemaet (linje {line}). Eit uttrykk kan"
              " berre bruke svar på spørsmål som kjem før det: flytt spørsmålet opp, eller"
              " flytt vilkåret ned.",
        "en": "The question '{name}' comes later in the form (line {line}). An expression can"
              " only use answers to questions that come before it: move the question up, or"
              " the condition down.",
    },
    Msg.Q_MISSING_NN: {
        "nb": "«{key}» mangler tekst på nynorsk (nn). Skjemaer fra staten skal være på både"
              " bokmål og nynorsk (språklova § 14): legg til nn: ved siden av nb:.",
        "nn": "«{key}» manglar tekst på nynorsk (nn). Skjema frå staten skal vere på både"
              " bokmål og nynorsk (språklova § 14): legg til nn: ved sida av nb:.",
        "en": "'{key}' has no text in nynorsk (nn). State forms must be in both bokmål and"
              " nynorsk (språklova § 14): add nn: next to nb:.",
    },
    Msg.Q_NYNORSK_REASON: {
        "nb": "nynorsk_not_required skal være begrunnelsen for at skjemaet bare er på bokmål,"
              " skrevet som tekst.",
        "nn": "nynorsk_not_required skal vere grunngivinga for at skjemaet berre er på bokmål,"
              " skriven som tekst.",
        "en": "nynorsk_not_required must be the reason why the form is in bokmål only,"
              " written as a text.",
    },
    Msg.Q_QUOTE_NUMBER: {
        "nb": "{key}: {value} står uten anførselstegn og blir da lest som tallet {read}."
              " Skriv det i anførselstegn: {key}: \"{value}\".",
        "nn": "{key}: {value} står utan hermeteikn og blir då lese som talet {read}."
              " Skriv det i hermeteikn: {key}: \"{value}\".",
        "en": "{key}: {value} has no quotes and is then read as the number {read}."
              " Write it in quotes: {key}: \"{value}\".",
    },
    # ---- `check`: scheme entries (forms/schemes_check.py) ----------------------------
    Msg.S_NOT_LIST: {
        "nb": "Filen skal være en liste med ordninger, hver som begynner med «- slug: …».",
        "nn": "Fila skal vere ei liste med ordningar, kvar som byrjar med «- slug: …».",
        "en": "The file must be a list of schemes, each starting with '- slug: …'.",
    },
    Msg.S_ADMINISTRATIONS: {
        "nb": "national (Helsedirektoratet forvalter ordningen), offices (hvert"
              " statsforvalterembete forvalter den for sine kommuner)",
        "nn": "national (Helsedirektoratet forvaltar ordninga), offices (kvart"
              " statsforvaltarembete forvaltar ho for kommunane sine)",
        "en": "national (Helsedirektoratet runs the scheme), offices (each Statsforvalter"
              " office runs it for its municipalities)",
    },
    Msg.S_CHAPTER_POST: {
        "nb": "«{value}» er ikke et kapittel og en post: skriv for eksempel chapter_post:"
              " \"762.60\" (kapittel, punktum, post på to sifre), eller \"\" hvis den ikke er"
              " kjent.",
        "nn": "«{value}» er ikkje eit kapittel og ein post: skriv til dømes chapter_post:"
              " \"762.60\" (kapittel, punktum, post på to siffer), eller \"\" viss han ikkje er"
              " kjend.",
        "en": "'{value}' is not a chapter and post: write for example chapter_post: \"762.60\""
              " (chapter, dot, a two-digit post), or \"\" if it is not known.",
    },
    Msg.S_DUPLICATE_SLUG: {
        "nb": "Ordningen «{slug}» står også på linje {line}. Hver ordning trenger sin egen slug.",
        "nn": "Ordninga «{slug}» står òg på linje {line}. Kvar ordning treng sin eigen slug.",
        "en": "The scheme '{slug}' is also on line {line}. Every scheme needs its own slug.",
    },
    Msg.S_NOT_YEAR: {
        "nb": "{key} skal være et årstall som 2024, ikke «{value}».",
        "nn": "{key} skal vere eit årstal som 2024, ikkje «{value}».",
        "en": "{key} must be a year such as 2024, not '{value}'.",
    },
    Msg.S_FIRST_AFTER_LAST: {
        "nb": "first_year ({first}) er etter last_year ({last}).",
        "nn": "first_year ({first}) er etter last_year ({last}).",
        "en": "first_year ({first}) is after last_year ({last}).",
    },
    Msg.S_CONTINUING_NEEDS_RECIPIENTS: {
        "nb": "continuing_positions_only: true krever recipients_of_year: året stillingene"
              " må ha eksistert i.",
        "nn": "continuing_positions_only: true krev recipients_of_year: året stillingane"
              " må ha eksistert i.",
        "en": "continuing_positions_only: true needs recipients_of_year: the year by which"
              " the positions must have existed.",
    },
    Msg.S_RATE_YEAR_OUTSIDE: {
        "nb": "Satser for {year}, men ordningen har ikke runder det året (first_year og"
              " last_year).",
        "nn": "Satsar for {year}, men ordninga har ikkje rundar det året (first_year og"
              " last_year).",
        "en": "Rates for {year}, but the scheme has no round that year (first_year and"
              " last_year).",
    },
    Msg.S_NOT_KRONER: {
        "nb": "«{value}» er ikke et beløp i hele kroner: skriv for eksempel 330000.",
        "nn": "«{value}» er ikkje eit beløp i heile kroner: skriv til dømes 330000.",
        "en": "'{value}' is not an amount in whole kroner: write for example 330000.",
    },
    Msg.S_RATE_ANY_ALONE: {
        "nb": "Gi enten any alene (én sats for alle år i løpet), eller satser for år 1–4.",
        "nn": "Gi anten any åleine (éin sats for alle år i løpet), eller satsar for år 1–4.",
        "en": "Give either any alone (one rate for every year in the track), or rates for"
              " years 1–4.",
    },
    Msg.S_WORKBOOK_NO_SECTION: {
        "nb": "economy_workbook: skjemaet «{id}» har ingen side «{section}»: skriv id-en til"
              " siden som Excel-rapporten fyller ut.",
        "nn": "economy_workbook: skjemaet «{id}» har inga side «{section}»: skriv id-en til"
              " sida som Excel-rapporten fyller ut.",
        "en": "economy_workbook: the questionnaire '{id}' has no page '{section}': give the id"
              " of the page the Excel report fills in.",
    },
    Msg.S_WORKBOOK_NO_NUMBERS: {
        "nb": "economy_workbook: siden «{section}» i «{id}» har ingen spørsmål av typen amount"
              " eller integer, så Excel-rapporten har ingen rader å fylle ut.",
        "nn": "economy_workbook: sida «{section}» i «{id}» har ingen spørsmål av typen amount"
              " eller integer, så Excel-rapporten har ingen rader å fylle ut.",
        "en": "economy_workbook: the page '{section}' of '{id}' has no amount or integer"
              " questions, so the Excel report has no rows to fill in.",
    },
    Msg.S_ACCOUNTS_NEED_WORKBOOK: {
        "nb": "accounts: by: economy_workbook krever at ordningen har economy_workbook"
              " (siden Excel-rapporten fyller ut); ellers skriv by: file.",
        "nn": "accounts: by: economy_workbook krev at ordninga har economy_workbook"
              " (sida Excel-rapporten fyller ut); elles skriv by: file.",
        "en": "accounts: by: economy_workbook needs the scheme's economy_workbook (the page"
              " the Excel report fills in); otherwise write by: file.",
    },
    # ---- `check`: the files together (forms/check.py) --------------------------------
    Msg.X_NO_SCHEME_ENTRY: {
        "nb": "Skjemaet «{id}» har ingen ordning i {schemes}: legg til en oppføring med"
              " slug: {id}, ellers kan ingen runde bruke skjemaet.",
        "nn": "Skjemaet «{id}» har inga ordning i {schemes}: legg til ei oppføring med"
              " slug: {id}, elles kan ingen runde bruke skjemaet.",
        "en": "The questionnaire '{id}' has no scheme in {schemes}: add an entry with"
              " slug: {id}, or no round can use the questionnaire.",
    },
    Msg.X_NO_QUESTIONNAIRE: {
        "nb": "Ordningen «{slug}» har ikke noe skjema med id «{questionnaire}»: legg skjemaet"
              " i mappen over, eller rett slug/questionnaire.",
        "nn": "Ordninga «{slug}» har ikkje noko skjema med id «{questionnaire}»: legg skjemaet"
              " i mappa over, eller rett slug/questionnaire.",
        "en": "The scheme '{slug}' has no questionnaire with the id '{questionnaire}': put the"
              " questionnaire in the folder above, or correct slug/questionnaire.",
    },
    Msg.X_NO_RULES: {
        "nb": "Advarsel: ordningen «{slug}» har ingen tilbakebetalingsregler (rules/{questionnaire}.yaml):"
              " ingen rapport blir flagget automatisk.",
        "nn": "Åtvaring: ordninga «{slug}» har ingen tilbakebetalingsreglar (rules/{questionnaire}.yaml):"
              " ingen rapport blir flagga automatisk.",
        "en": "Warning: the scheme '{slug}' has no repayment rules (rules/{questionnaire}.yaml):"
              " no report will be flagged automatically.",
    },
    Msg.PUBLISH_VERSION_TAKEN: {
        "nb": "Versjon {version} av «{id}» er publisert med en annen tekst, og en publisert"
              " versjon endres aldri. Skriv «version: {next}» for å publisere rettelsen som en"
              " ny versjon.",
        "nn": "Versjon {version} av «{id}» er publisert med ein annan tekst, og ein publisert"
              " versjon blir aldri endra. Skriv «version: {next}» for å publisere rettinga som"
              " ein ny versjon.",
        "en": "Version {version} of '{id}' is published with another text, and a published"
              " version never changes. Write 'version: {next}' to publish the correction as a"
              " new version.",
    },
    Msg.PUBLISH_ONE_SCHEME_ENTRY: {
        "nb": "Skriv nøyaktig én ordning her (fant {count}).",
        "nn": "Skriv nøyaktig éi ordning her (fann {count}).",
        "en": "Write exactly one scheme entry here (found {count}).",
    },
    Msg.PUBLISH_SCHEME_OTHER_QUESTIONNAIRE: {
        "nb": "Advarsel: ordningen viser til skjemaet «{wanted}», men skjemaet i utkastet er «{id}»: rett"
              " «questionnaire:» (eller «slug:») eller skjemaets «id:».",
        "nn": "Åtvaring: ordninga viser til skjemaet «{wanted}», men skjemaet i utkastet er «{id}»: rett"
              " «questionnaire:» (eller «slug:») eller «id:» i skjemaet.",
        "en": "Warning: the scheme entry names the questionnaire '{wanted}', but the draft's"
              " questionnaire is '{id}': correct 'questionnaire:' (or 'slug:') or the"
              " questionnaire's 'id:'.",
    },
    Msg.PUBLISH_NO_LETTER_TEXTS: {
        "nb": "Ordningen «{slug}» har ingen hjemmel eller klagetekst i schemes/letters.yaml:"
              " et krav om tilbakebetaling kan ikke skrives før de er lagt inn der (av en"
              " utvikler, med kilden).",
        "nn": "Ordninga «{slug}» har ingen heimel eller klagetekst i schemes/letters.yaml:"
              " eit krav om tilbakebetaling kan ikkje skrivast før dei er lagde inn der (av"
              " ein utviklar, med kjelda).",
        "en": "The scheme '{slug}' has no legal basis or appeal text in schemes/letters.yaml:"
              " no repayment claim can be written until they are added there (by a developer,"
              " with their source).",
    },
    Msg.PUBLISH_RULES_OTHER_QUESTIONNAIRE: {
        "nb": "Reglene leser skjemaet «{scheme}», men skjemaet i utkastet er «{id}»: skriv"
              " «scheme: {id}».",
        "nn": "Reglane les skjemaet «{scheme}», men skjemaet i utkastet er «{id}»: skriv"
              " «scheme: {id}».",
        "en": "The rules read the questionnaire '{scheme}', but the draft's questionnaire is"
              " '{id}': write 'scheme: {id}'.",
    },
    Msg.CHECK_OK: {
        "nb": "{files} fil(er) sjekket: {questionnaires} skjema(er), {questions} spørsmål;"
              " {rule_files} regelfil(er): {rules} tilbakebetalingsregler; {schemes}"
              " ordning(er); ingen feil.",
        "nn": "{files} fil(er) sjekka: {questionnaires} skjema, {questions} spørsmål;"
              " {rule_files} regelfil(er): {rules} tilbakebetalingsreglar; {schemes}"
              " ordning(ar); ingen feil.",
        "en": "{files} file(s) checked: {questionnaires} questionnaire(s), {questions}"
              " questions; {rule_files} rules file(s): {rules} repayment rules; {schemes}"
              " scheme(s); no problems.",
    },
    Msg.CHECK_FAILED: {
        "nb": "{problems} feil i {files} fil(er).",
        "nn": "{problems} feil i {files} fil(er).",
        "en": "{problems} problem(s) in {files} file(s).",
    },
    Msg.CHECK_WARNINGS: {
        "nb": "{warnings} advarsel(er).",
        "nn": "{warnings} åtvaring(ar).",
        "en": "{warnings} warning(s).",
    },
}


class _KeepMissing(dict[str, object]):
    """Leaves an unknown `{placeholder}` visible instead of failing while showing an error."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message(code: Msg, language: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """Render a message for the reader; a missing nn/en text shows the bokmål one."""
    templates = TEMPLATES[code]
    template = templates.get(language) or templates[DEFAULT_LANGUAGE]
    rendered = _KeepMissing(
        (key, message(value, language) if isinstance(value, Msg) else value)
        for key, value in params.items()
    )
    return template.format_map(rendered)


def placeholders(template: str) -> frozenset[str]:
    """The `{names}` a template uses; the catalogue check compares them across languages."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _check_catalogue() -> None:
    """Fail at import, not in front of a user, when a code lacks text or languages differ."""
    problems = [f"{code}: no entry in TEMPLATES" for code in Msg if code not in TEMPLATES]
    for code, templates in TEMPLATES.items():
        if not templates.get(DEFAULT_LANGUAGE):
            problems.append(f"{code}: no {DEFAULT_LANGUAGE} text")
            continue
        expected = placeholders(templates[DEFAULT_LANGUAGE])
        problems.extend(
            f"{code}: {language} uses other placeholders than {DEFAULT_LANGUAGE}"
            for language, template in templates.items()
            if placeholders(template) != expected
        )
    if problems:
        raise RuntimeError("Message catalogue is inconsistent: " + "; ".join(problems))


_check_catalogue()
