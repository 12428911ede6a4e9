/**
 * @file profile.h
 * @brief Member profiles: identity (phone, e-mail), fields, typed custom
 *        attributes, consent history, merging, progressive profiling, and
 *        privacy export / erasure.
 *
 * Identity. A member is found by any of their identifiers:
 * - Phone numbers are normalised to E.164 (`+972501234567`): spaces, dashes,
 *   dots and parentheses are dropped; `00` starts an international number;
 *   a leading trunk `0` (or `1` in the NANP) is replaced by the store's
 *   default country code (patron_profile_set_country()); `+972 050...` (a
 *   trunk zero written after the country code) is tolerated. So
 *   `050-123-4567`, `+972 50 123 4567` and `00972501234567` are one person.
 * - E-mail addresses are trimmed and lower-cased. Dots and `+tags` in the
 *   local part are kept (for most providers `dana.levi@` and `danalevi@` are
 *   different mailboxes), except for `gmail.com` and `googlemail.com`, where
 *   Google ignores dots and everything from `+`, so the identity key drops
 *   them and `googlemail.com` becomes `gmail.com`. The address as written
 *   (trimmed, lower-cased) is kept for sending.
 * - Each identifier belongs to at most one member: adding a second member
 *   with the same phone is #PATRON_ECONFLICT (merge them instead).
 *
 * Fields. Required: name, at least one contact (phone or e-mail), a consent
 * decision and the join date. Recommended: city, birth date, category
 * preferences, gender (if the business collects it). Text is trimmed and
 * inner whitespace collapsed; `city`, `gender` and `categories` go through
 * the business's aliases (patron_profile_set_alias()); `categories` is a
 * comma-separated list, lower-cased, checked against the vocabulary when one
 * is set (patron_profile_set_vocabulary()).
 *
 * Time: every call that records something takes `at` (UTC seconds) so that
 * histories are reproducible; the library never reads the clock.
 *
 * Thread safety: as for the #patron_db handle (one thread at a time). The
 * pure functions patron_phone_normalize() and patron_email_normalize() are
 * reentrant.
 */
#ifndef PATRON_PROFILE_H
#define PATRON_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/db.h"

PATRON_BEGIN_DECLS

/** @brief Profile fields for patron_profile_add() / patron_profile_update(). */
typedef struct patron_profile_fields {
    uint32_t size;              /**< `sizeof(patron_profile_fields)`; set by #PATRON_PROFILE_FIELDS_INIT. */
    const char *name;           /**< Full name (required on add). */
    const char *phone;          /**< Phone number in any common format (normalised to E.164). */
    const char *email;          /**< E-mail address. */
    const char *city;           /**< City (aliases applied). */
    const char *birth_date;     /**< Birth date `YYYY-MM-DD`. */
    const char *gender;         /**< Gender, free text (aliases applied). */
    const char *categories;     /**< Comma-separated category preferences. */
    int64_t joined_at;          /**< Join date (UTC seconds); 0 means the call's `at`. */
    const char *consent;        /**< Add only: comma-separated channels granted (`sms,email`), or `none` for an explicit refusal. Required on add. */
    const char *consent_source; /**< Where the consent was given (`form`, `pos`, `web`); default `form`. */
} patron_profile_fields;

/** @brief Initialiser for #patron_profile_fields: everything unset. */
#define PATRON_PROFILE_FIELDS_INIT { (uint32_t)sizeof(patron_profile_fields), NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL }

/** @brief A loaded profile (opaque), from patron_profile_get(). */
typedef struct patron_profile patron_profile;

/** @brief Types of custom attributes (patron_profile_define_attr()). */
typedef enum patron_attr_type {
    PATRON_ATTR_TEXT = 0, /**< Any UTF-8 text. */
    PATRON_ATTR_INT = 1,  /**< A 64-bit signed decimal integer. */
    PATRON_ATTR_BOOL = 2, /**< `true` or `false` (also `1`/`0`, `yes`/`no`). */
    PATRON_ATTR_DATE = 3  /**< A date `YYYY-MM-DD`. */
} patron_attr_type;

/**
 * @brief Normalise a phone number to E.164 (pure).
 * @param[out] out [buffer] Buffer for the result (`+` and up to 15 digits); at least 17 bytes.
 * @param cap Size of @p out.
 * @param phone Number as typed.
 * @param country Default country (ISO 3166 alpha-2, e.g. `IL`) for national
 *        numbers, or NULL when only international numbers are accepted.
 * @return #PATRON_OK; #PATRON_EINVAL (not a phone number, wrong length for
 *         the country, national number without a country, unknown country,
 *         @p cap too small). @p out is untouched on failure.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_phone_normalize(char *out, size_t cap, const char *phone, const char *country);

/**
 * @brief Normalise an e-mail address to its identity key (pure; rules in the file comment).
 * @param[out] out [buffer] Buffer for the key, at least `strlen(email) + 1` bytes.
 * @param cap Size of @p out.
 * @param email Address as typed.
 * @return #PATRON_OK, #PATRON_EINVAL (not `local@domain.tld`, spaces inside,
 *         @p cap too small).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_email_normalize(char *out, size_t cap, const char *email);

/**
 * @brief Set the store's default country for national phone numbers.
 * @param db Open store.
 * @param country ISO 3166 alpha-2 code of a supported country (IL, US, CA, GB,
 *        DE, FR, ES, IT, NL, AU, IN); case-insensitive.
 * @return #PATRON_OK, #PATRON_EINVAL (unknown country), store errors.
 */
PATRON_API int patron_profile_set_country(patron_db *db, const char *country);

/**
 * @brief Enrol a member.
 * @param db Open store.
 * @param[out] member_id [value] Receives the new member's id.
 * @param[in] fields [value] Name, a contact, a consent decision are required; joined_at
 *        defaults to @p at.
 * @param at When (UTC seconds); stamps the consent records.
 * @return #PATRON_OK; #PATRON_EINVAL (a required field missing, a field
 *         invalid: the message names it); #PATRON_ECONFLICT (the phone or
 *         e-mail already belongs to member N: the message gives N); store
 *         errors. Nothing is written on failure.
 */
PATRON_API int patron_profile_add(patron_db *db, int64_t *member_id, const patron_profile_fields *fields,
                                  int64_t at);

/**
 * @brief Change fields of a member: every non-NULL field of @p fields
 *        replaces the stored one (an empty string clears a recommended
 *        field; name and the last contact cannot be cleared).
 *        `consent` and `consent_source` are ignored (use patron_consent_record()).
 * @return #PATRON_OK, #PATRON_ENOTFOUND (no such active member),
 *         #PATRON_EINVAL, #PATRON_ECONFLICT (identifier taken), store errors.
 */
PATRON_API int patron_profile_update(patron_db *db, int64_t member_id, const patron_profile_fields *fields,
                                     int64_t at);

/**
 * @brief Find a member by an identifier: an e-mail address (contains `@`), a
 *        phone number in any format, or `#N` for member id N.
 *
 * Members merged into another resolve to the surviving member.
 * @param db Open store.
 * @param[out] member_id [value] Receives the id.
 * @param identifier The identifier.
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL (unparseable), store errors.
 */
PATRON_API int patron_profile_find(patron_db *db, int64_t *member_id, const char *identifier);

/**
 * @brief Load a member's profile.
 * @param db Open store.
 * @param[out] out [handle] Receives a profile to release with patron_profile_free().
 * @param member_id The member (a merged id resolves to the survivor).
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_ENOMEM, store errors.
 */
PATRON_API int patron_profile_get(patron_db *db, patron_profile **out, int64_t member_id);

/** @brief Release a profile (NULL is a no-op). */
PATRON_API void patron_profile_free(patron_profile *p);

/** @brief The member id of a loaded profile. */
PATRON_API int64_t patron_profile_id(const patron_profile *p);

/**
 * @brief A field of a loaded profile as text.
 * @param p Profile.
 * @param field `name`, `phone`, `email`, `city`, `birth_date`, `gender`,
 *        `categories`, `joined_at` (decimal seconds), `tier`, or a custom
 *        attribute name.
 * @return The value, owned by @p p (valid until patron_profile_free()), or
 *         NULL when unset or unknown.
 */
PATRON_API const char *patron_profile_field(const patron_profile *p, const char *field);

/**
 * @brief Declare a custom attribute and its type (once; redeclaring with the
 *        same type is a no-op).
 * @param db Open store.
 * @param name Attribute name: `[a-z][a-z0-9_]*`, at most 64 bytes, not a
 *        built-in field name.
 * @param type A #patron_attr_type.
 * @return #PATRON_OK, #PATRON_EINVAL (bad name or type), #PATRON_ECONFLICT
 *         (already declared with another type), store errors.
 */
PATRON_API int patron_profile_define_attr(patron_db *db, const char *name, int type);

/**
 * @brief Set (or with @p value NULL, remove) a custom attribute of a member.
 * @param db Open store.
 * @param member_id Member.
 * @param name A declared attribute.
 * @param value Text checked and canonicalised for the attribute's type.
 * @return #PATRON_OK, #PATRON_ENOTFOUND (member or attribute undeclared),
 *         #PATRON_EINVAL (value not of the type), store errors.
 */
PATRON_API int patron_profile_set_attr(patron_db *db, int64_t member_id, const char *name, const char *value);

/**
 * @brief Map an alias to a canonical value for `city`, `gender` or
 *        `categories` (matching is case-insensitive), e.g. `TLV` -> `Tel Aviv`.
 * @return #PATRON_OK, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_profile_set_alias(patron_db *db, const char *field, const char *alias,
                                        const char *canonical);

/**
 * @brief Set the category vocabulary (comma-separated); afterwards unknown
 *        categories are #PATRON_EINVAL. An empty list removes the check.
 * @return #PATRON_OK, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_profile_set_vocabulary(patron_db *db, const char *categories);

/**
 * @brief Record a consent decision (appended to the member's history).
 * @param db Open store.
 * @param member_id Member.
 * @param channel `sms`, `email`, `whatsapp`, `push`, `post`, `phone` (others:
 *        lower-case letters, digits, `_`).
 * @param granted 1 granted, 0 withdrawn.
 * @param at When (UTC seconds).
 * @param source Where (`form`, `pos`, `web`, ...); required.
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_consent_record(patron_db *db, int64_t member_id, const char *channel, int granted,
                                     int64_t at, const char *source);

/**
 * @brief Whether a member had consented to @p channel at time @p at
 *        (the latest decision at or before @p at; none recorded means no).
 * @param db Open store.
 * @param[out] granted [value] Receives 1 or 0.
 * @param member_id Member.
 * @param channel Channel name.
 * @param at The moment (UTC seconds).
 * @return #PATRON_OK, #PATRON_ENOTFOUND (member), #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_consent_get(patron_db *db, int *granted, int64_t member_id, const char *channel,
                                  int64_t at);

/**
 * @brief Merge member @p merged into member @p kept.
 *
 * Identifiers, consent history and custom attributes move to @p kept (its
 * own values win), empty fields of @p kept are filled from @p merged, and
 * the points of @p merged (every open lot, with its expiry and maturity) are
 * transferred with explicit ledger postings. @p merged's own postings stay
 * in its history and appear in @p kept's statements. An audit record
 * (who, when, why, how many points) is written. One transaction.
 * @param db Open store.
 * @param kept The surviving member.
 * @param merged The member merged away (its id keeps resolving to @p kept).
 * @param at When (UTC seconds).
 * @param operator_name Who merged (required).
 * @param reason Why (may be NULL).
 * @return #PATRON_OK; #PATRON_ENOTFOUND; #PATRON_EINVAL (same member, erased
 *         member, missing operator); store errors.
 */
PATRON_API int patron_profile_merge(patron_db *db, int64_t kept, int64_t merged, int64_t at,
                                    const char *operator_name, const char *reason);

/**
 * @brief Set the order in which progressive profiling asks for fields
 *        (comma-separated field or custom attribute names). Default:
 *        `email,phone,birth_date,city,categories` (add `gender` if the
 *        business collects it).
 * @return #PATRON_OK, #PATRON_EINVAL (unknown field), store errors.
 */
PATRON_API int patron_profile_set_priority(patron_db *db, const char *fields);

/**
 * @brief The single field to ask a member for next: the first field of the
 *        priority list that the member has not filled.
 * @param db Open store.
 * @param[out] field [string: owned] Receives the field name (free with patron_free()), or NULL
 *        when every listed field is filled.
 * @param member_id Member.
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_ENOMEM, store errors.
 */
PATRON_API int patron_profile_next_field(patron_db *db, char **field, int64_t member_id);

/**
 * @brief Everything held about a member, as a JSON document: profile fields,
 *        identifiers, custom attributes, consent history, merges, postings,
 *        balance and tier history.
 * @param db Open store.
 * @param[out] json [string: owned] Receives a NUL-terminated UTF-8 string (free with patron_free()).
 * @param member_id Member.
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_ENOMEM, store errors.
 */
PATRON_API int patron_profile_export(patron_db *db, char **json, int64_t member_id);

/**
 * @brief Erase a member's personal data: name, contacts, identifiers,
 *        recommended fields, attributes and consent history are deleted.
 *        The member id stays as an anonymous account so that ledger totals
 *        stay right; the postings keep their amounts (their free-text fields
 *        `reason` and `ref` must never hold personal data). An erasure
 *        record (id, when, operator) is kept.
 * @return #PATRON_OK, #PATRON_ENOTFOUND (no such member, or already erased),
 *         #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_profile_erase(patron_db *db, int64_t member_id, int64_t at, const char *operator_name);

PATRON_END_DECLS

#endif /* PATRON_PROFILE_H */
