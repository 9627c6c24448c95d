"""Every slot, intent, entity, form, action and response name the bot uses.

Declared once here; ``tests/actions/test_constants.py`` checks them against
domain.yml in both directions.
"""

from __future__ import annotations

# --- Intents ---------------------------------------------------------------
# The 27 Bitext customer-support intents.
INTENT_CANCEL_ORDER = "cancel_order"
INTENT_CHANGE_ORDER = "change_order"
INTENT_CHANGE_SHIPPING_ADDRESS = "change_shipping_address"
INTENT_CHECK_CANCELLATION_FEE = "check_cancellation_fee"
INTENT_CHECK_INVOICE = "check_invoice"
INTENT_CHECK_PAYMENT_METHODS = "check_payment_methods"
INTENT_CHECK_REFUND_POLICY = "check_refund_policy"
INTENT_COMPLAINT = "complaint"
INTENT_CONTACT_CUSTOMER_SERVICE = "contact_customer_service"
INTENT_CONTACT_HUMAN_AGENT = "contact_human_agent"
INTENT_CREATE_ACCOUNT = "create_account"
INTENT_DELETE_ACCOUNT = "delete_account"
INTENT_DELIVERY_OPTIONS = "delivery_options"
INTENT_DELIVERY_PERIOD = "delivery_period"
INTENT_EDIT_ACCOUNT = "edit_account"
INTENT_GET_INVOICE = "get_invoice"
INTENT_GET_REFUND = "get_refund"
INTENT_NEWSLETTER_SUBSCRIPTION = "newsletter_subscription"
INTENT_PAYMENT_ISSUE = "payment_issue"
INTENT_PLACE_ORDER = "place_order"
INTENT_RECOVER_PASSWORD = "recover_password"
INTENT_REGISTRATION_PROBLEMS = "registration_problems"
INTENT_REVIEW = "review"
INTENT_SET_UP_SHIPPING_ADDRESS = "set_up_shipping_address"
INTENT_SWITCH_ACCOUNT = "switch_account"
INTENT_TRACK_ORDER = "track_order"
INTENT_TRACK_REFUND = "track_refund"
# Conversation intents, written by hand.
INTENT_GREET = "greet"
INTENT_GOODBYE = "goodbye"
INTENT_THANK = "thank"
INTENT_AFFIRM = "affirm"
INTENT_DENY = "deny"
INTENT_BOT_CHALLENGE = "bot_challenge"
INTENT_OUT_OF_SCOPE = "out_of_scope"
INTENT_INFORM = "inform"
# Set by FallbackClassifier when the classifier is unsure.
INTENT_NLU_FALLBACK = "nlu_fallback"

BITEXT_INTENTS: tuple[str, ...] = (
    INTENT_CANCEL_ORDER,
    INTENT_CHANGE_ORDER,
    INTENT_CHANGE_SHIPPING_ADDRESS,
    INTENT_CHECK_CANCELLATION_FEE,
    INTENT_CHECK_INVOICE,
    INTENT_CHECK_PAYMENT_METHODS,
    INTENT_CHECK_REFUND_POLICY,
    INTENT_COMPLAINT,
    INTENT_CONTACT_CUSTOMER_SERVICE,
    INTENT_CONTACT_HUMAN_AGENT,
    INTENT_CREATE_ACCOUNT,
    INTENT_DELETE_ACCOUNT,
    INTENT_DELIVERY_OPTIONS,
    INTENT_DELIVERY_PERIOD,
    INTENT_EDIT_ACCOUNT,
    INTENT_GET_INVOICE,
    INTENT_GET_REFUND,
    INTENT_NEWSLETTER_SUBSCRIPTION,
    INTENT_PAYMENT_ISSUE,
    INTENT_PLACE_ORDER,
    INTENT_RECOVER_PASSWORD,
    INTENT_REGISTRATION_PROBLEMS,
    INTENT_REVIEW,
    INTENT_SET_UP_SHIPPING_ADDRESS,
    INTENT_SWITCH_ACCOUNT,
    INTENT_TRACK_ORDER,
    INTENT_TRACK_REFUND,
)
CONVERSATION_INTENTS: tuple[str, ...] = (
    INTENT_GREET,
    INTENT_GOODBYE,
    INTENT_THANK,
    INTENT_AFFIRM,
    INTENT_DENY,
    INTENT_BOT_CHALLENGE,
    INTENT_OUT_OF_SCOPE,
    INTENT_INFORM,
)
ALL_INTENTS: tuple[str, ...] = (
    *BITEXT_INTENTS,
    *CONVERSATION_INTENTS,
    INTENT_NLU_FALLBACK,
)

# --- Entities --------------------------------------------------------------
ENTITY_ORDER_NUMBER = "order_number"
ENTITY_INVOICE_NUMBER = "invoice_number"
ENTITY_EMAIL = "email"
ENTITY_AMOUNT = "amount"
ALL_ENTITIES: tuple[str, ...] = (
    ENTITY_ORDER_NUMBER,
    ENTITY_INVOICE_NUMBER,
    ENTITY_EMAIL,
    ENTITY_AMOUNT,
)

# --- Slots -----------------------------------------------------------------
# Filled from the user's messages.
SLOT_ORDER_NUMBER = "order_number"
SLOT_INVOICE_NUMBER = "invoice_number"
SLOT_EMAIL = "email"
SLOT_AMOUNT = "amount"
SLOT_REQUESTED = "requested_slot"
# Shop facts, set by action_session_start from shop.yml so responses can use them.
SLOT_SHOP_NAME = "shop_name"
SLOT_SHOP_WEBSITE = "shop_website"
SLOT_SUPPORT_EMAIL = "support_email"
SLOT_SUPPORT_PHONE = "support_phone"
SLOT_SUPPORT_HOURS = "support_hours"
SLOT_LIVE_CHAT = "live_chat"
SLOT_PAGE_ACCOUNT_SETTINGS = "page_account_settings"
SLOT_PAGE_ORDER_HISTORY = "page_order_history"
SLOT_PAGE_CONTACT_US = "page_contact_us"
SLOT_PAGE_RETURNS = "page_returns"
SLOT_PAGE_PAYMENT_METHODS = "page_payment_methods"
SLOT_PAGE_SHIPPING_POLICY = "page_shipping_policy"
SLOT_REFUND_WINDOW = "refund_window"
SLOT_REFUND_PROCESSING_TIME = "refund_processing_time"
SLOT_CANCELLATION_FEE = "cancellation_fee"
SLOT_STANDARD_DELIVERY = "standard_delivery"
SLOT_EXPRESS_DELIVERY = "express_delivery"
SLOT_PAYMENT_METHODS = "payment_methods"
# Audit trail of action_answer_from_past_cases: the past case whose answer was
# sent (e.g. "bitext:17", None when none was) and its calibrated score.
SLOT_RETRIEVAL_SOURCE = "retrieval_source"
SLOT_RETRIEVAL_SCORE = "retrieval_score"

USER_SLOTS: tuple[str, ...] = (
    SLOT_ORDER_NUMBER,
    SLOT_INVOICE_NUMBER,
    SLOT_EMAIL,
    SLOT_AMOUNT,
)
SHOP_SLOTS: tuple[str, ...] = (
    SLOT_SHOP_NAME,
    SLOT_SHOP_WEBSITE,
    SLOT_SUPPORT_EMAIL,
    SLOT_SUPPORT_PHONE,
    SLOT_SUPPORT_HOURS,
    SLOT_LIVE_CHAT,
    SLOT_PAGE_ACCOUNT_SETTINGS,
    SLOT_PAGE_ORDER_HISTORY,
    SLOT_PAGE_CONTACT_US,
    SLOT_PAGE_RETURNS,
    SLOT_PAGE_PAYMENT_METHODS,
    SLOT_PAGE_SHIPPING_POLICY,
    SLOT_REFUND_WINDOW,
    SLOT_REFUND_PROCESSING_TIME,
    SLOT_CANCELLATION_FEE,
    SLOT_STANDARD_DELIVERY,
    SLOT_EXPRESS_DELIVERY,
    SLOT_PAYMENT_METHODS,
)
RETRIEVAL_SLOTS: tuple[str, ...] = (SLOT_RETRIEVAL_SOURCE, SLOT_RETRIEVAL_SCORE)
# Who is talking, set only by actions from a verified token.
SLOT_CUSTOMER_ID = "customer_id"
SLOT_CUSTOMER_TOKEN_EXPIRES = "customer_token_expires"
# Form slots of cancel_order_form and address_form.
SLOT_CANCEL_CONFIRMED = "cancel_confirmed"
SLOT_NEW_ADDRESS = "new_address"
SLOT_ADDRESS_CONFIRMED = "address_confirmed"
# The handoff record opened for this conversation, for the agent console.
SLOT_HANDOFF_ID = "handoff_id"
IDENTITY_SLOTS: tuple[str, ...] = (SLOT_CUSTOMER_ID, SLOT_CUSTOMER_TOKEN_EXPIRES)
FORM_SLOTS: tuple[str, ...] = (
    SLOT_CANCEL_CONFIRMED,
    SLOT_NEW_ADDRESS,
    SLOT_ADDRESS_CONFIRMED,
)
# requested_slot is added by Rasa itself when the domain has forms.
ALL_SLOTS: tuple[str, ...] = (
    *USER_SLOTS,
    *SHOP_SLOTS,
    *RETRIEVAL_SLOTS,
    *IDENTITY_SLOTS,
    *FORM_SLOTS,
    SLOT_HANDOFF_ID,
    SLOT_REQUESTED,
)

# --- Forms -----------------------------------------------------------------
FORM_TRACK_ORDER = "track_order_form"
FORM_INVOICE = "invoice_form"
FORM_CANCEL_ORDER = "cancel_order_form"
FORM_ADDRESS = "address_form"
ALL_FORMS: tuple[str, ...] = (
    FORM_TRACK_ORDER,
    FORM_INVOICE,
    FORM_CANCEL_ORDER,
    FORM_ADDRESS,
)

# --- Custom actions ----------------------------------------------------------
ACTION_SESSION_START = "action_session_start"
ACTION_ASK_ORDER_NUMBER = "action_ask_order_number"
ACTION_TRACK_ORDER = "action_track_order"
ACTION_VALIDATE_TRACK_ORDER_FORM = "validate_track_order_form"
ACTION_ASK_INVOICE_NUMBER = "action_ask_invoice_number"
ACTION_GET_INVOICE = "action_get_invoice"
ACTION_VALIDATE_INVOICE_FORM = "validate_invoice_form"
# Low NLU confidence and off-topic questions: answer from past support cases.
ACTION_ANSWER_FROM_PAST_CASES = "action_answer_from_past_cases"
# Personalised answers from the customer profile.
ACTION_GREET = "action_greet"
ACTION_ASK_EMAIL = "action_ask_email"
ACTION_VALIDATE_CANCEL_ORDER_FORM = "validate_cancel_order_form"
ACTION_ASK_CANCEL_CONFIRMED = "action_ask_cancel_confirmed"
ACTION_CANCEL_ORDER = "action_cancel_order"
ACTION_CHANGE_ORDER = "action_change_order"
ACTION_REFUND_STATUS = "action_refund_status"
ACTION_VALIDATE_ADDRESS_FORM = "validate_address_form"
ACTION_ASK_NEW_ADDRESS = "action_ask_new_address"
ACTION_ASK_ADDRESS_CONFIRMED = "action_ask_address_confirmed"
ACTION_SAVE_ADDRESS = "action_save_address"
# Escalation: complaints and requests for a person.
ACTION_HANDLE_COMPLAINT = "action_handle_complaint"
ACTION_HANDOFF = "action_handoff"
ALL_CUSTOM_ACTIONS: tuple[str, ...] = (
    ACTION_SESSION_START,
    ACTION_ASK_ORDER_NUMBER,
    ACTION_TRACK_ORDER,
    ACTION_VALIDATE_TRACK_ORDER_FORM,
    ACTION_ASK_INVOICE_NUMBER,
    ACTION_GET_INVOICE,
    ACTION_VALIDATE_INVOICE_FORM,
    ACTION_ANSWER_FROM_PAST_CASES,
    ACTION_GREET,
    ACTION_ASK_EMAIL,
    ACTION_VALIDATE_CANCEL_ORDER_FORM,
    ACTION_ASK_CANCEL_CONFIRMED,
    ACTION_CANCEL_ORDER,
    ACTION_CHANGE_ORDER,
    ACTION_REFUND_STATUS,
    ACTION_VALIDATE_ADDRESS_FORM,
    ACTION_ASK_NEW_ADDRESS,
    ACTION_ASK_ADDRESS_CONFIRMED,
    ACTION_SAVE_ADDRESS,
    ACTION_HANDLE_COMPLAINT,
    ACTION_HANDOFF,
)

# --- Responses (domain.yml) ----------------------------------------------------
UTTER_GREET = "utter_greet"
UTTER_GOODBYE = "utter_goodbye"
UTTER_YOU_ARE_WELCOME = "utter_you_are_welcome"
UTTER_IAMABOT = "utter_iamabot"
# Sent by action_default_fallback (RulePolicy's low dialogue confidence).
UTTER_DEFAULT = "utter_default"
# Sent by action_answer_from_past_cases when it does not answer.
UTTER_RETRIEVAL_UNSURE = "utter_retrieval_unsure"
UTTER_RETRIEVAL_UNAVAILABLE = "utter_retrieval_unavailable"
UTTER_CANCEL_ORDER = "utter_cancel_order"
UTTER_CHANGE_ORDER = "utter_change_order"
UTTER_PLACE_ORDER = "utter_place_order"
UTTER_CHECK_CANCELLATION_FEE = "utter_check_cancellation_fee"
UTTER_NO_ORDER_NUMBER = "utter_no_order_number"
UTTER_CHECK_REFUND_POLICY = "utter_check_refund_policy"
UTTER_GET_REFUND = "utter_get_refund"
UTTER_TRACK_REFUND = "utter_track_refund"
UTTER_CHECK_INVOICE = "utter_check_invoice"
UTTER_NO_INVOICE_NUMBER = "utter_no_invoice_number"
UTTER_CHECK_PAYMENT_METHODS = "utter_check_payment_methods"
UTTER_PAYMENT_ISSUE = "utter_payment_issue"
UTTER_DELIVERY_OPTIONS = "utter_delivery_options"
UTTER_DELIVERY_PERIOD = "utter_delivery_period"
UTTER_CHANGE_SHIPPING_ADDRESS = "utter_change_shipping_address"
UTTER_SET_UP_SHIPPING_ADDRESS = "utter_set_up_shipping_address"
UTTER_CREATE_ACCOUNT = "utter_create_account"
UTTER_DELETE_ACCOUNT = "utter_delete_account"
UTTER_EDIT_ACCOUNT = "utter_edit_account"
UTTER_RECOVER_PASSWORD = "utter_recover_password"
UTTER_REGISTRATION_PROBLEMS = "utter_registration_problems"
UTTER_SWITCH_ACCOUNT = "utter_switch_account"
UTTER_CONTACT_CUSTOMER_SERVICE = "utter_contact_customer_service"
UTTER_HANDOFF = "utter_handoff"
UTTER_OFFER_HANDOFF = "utter_offer_handoff"
UTTER_HANDOFF_DECLINED = "utter_handoff_declined"
UTTER_COMPLAINT = "utter_complaint"
UTTER_REVIEW = "utter_review"
UTTER_NEWSLETTER_SUBSCRIPTION = "utter_newsletter_subscription"
ALL_RESPONSES: tuple[str, ...] = (
    UTTER_GREET,
    UTTER_GOODBYE,
    UTTER_YOU_ARE_WELCOME,
    UTTER_IAMABOT,
    UTTER_DEFAULT,
    UTTER_RETRIEVAL_UNSURE,
    UTTER_RETRIEVAL_UNAVAILABLE,
    UTTER_CANCEL_ORDER,
    UTTER_CHANGE_ORDER,
    UTTER_PLACE_ORDER,
    UTTER_CHECK_CANCELLATION_FEE,
    UTTER_NO_ORDER_NUMBER,
    UTTER_CHECK_REFUND_POLICY,
    UTTER_GET_REFUND,
    UTTER_TRACK_REFUND,
    UTTER_CHECK_INVOICE,
    UTTER_NO_INVOICE_NUMBER,
    UTTER_CHECK_PAYMENT_METHODS,
    UTTER_PAYMENT_ISSUE,
    UTTER_DELIVERY_OPTIONS,
    UTTER_DELIVERY_PERIOD,
    UTTER_CHANGE_SHIPPING_ADDRESS,
    UTTER_SET_UP_SHIPPING_ADDRESS,
    UTTER_CREATE_ACCOUNT,
    UTTER_DELETE_ACCOUNT,
    UTTER_EDIT_ACCOUNT,
    UTTER_RECOVER_PASSWORD,
    UTTER_REGISTRATION_PROBLEMS,
    UTTER_SWITCH_ACCOUNT,
    UTTER_CONTACT_CUSTOMER_SERVICE,
    UTTER_HANDOFF,
    UTTER_OFFER_HANDOFF,
    UTTER_HANDOFF_DECLINED,
    UTTER_COMPLAINT,
    UTTER_REVIEW,
    UTTER_NEWSLETTER_SUBSCRIPTION,
)

# --- Configuration -------------------------------------------------------------
ENV_SHOP_CONFIG = "SHOPBOT_SHOP_CONFIG"
