// Generated from ui/openapi.json by openapi-typescript (npm run generate):
// do not edit. src/api.ts names these types for the rest of the UI.

export interface paths {
    "/api/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log, newest first
         * @description Needs the admin role or above.
         */
        get: operations["get_audit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sign in: sets the session cookie and returns the CSRF token */
        post: operations["post_auth_login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign out (ends this session)
         * @description Needs the viewer role or above.
         */
        post: operations["post_auth_logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who is signed in, and the session's CSRF token
         * @description Needs the viewer role or above.
         */
        get: operations["get_auth_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/caller-id-pools": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Caller-ID pools
         * @description Needs the viewer role or above.
         */
        get: operations["get_caller_id_pools"];
        put?: never;
        /**
         * Create a caller-ID pool
         * @description Needs the manager role or above.
         */
        post: operations["post_caller_id_pools"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/caller-id-pools/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A pool with its numbers and their calls today
         * @description Needs the viewer role or above.
         */
        get: operations["get_caller_id_pools_id"];
        put?: never;
        post?: never;
        /**
         * Remove a caller-ID pool and its numbers, if no campaign uses it (409 otherwise)
         * @description Needs the manager role or above.
         */
        delete: operations["delete_caller_id_pools_id"];
        options?: never;
        head?: never;
        /**
         * Rename a caller-ID pool or change its strategy
         * @description Needs the manager role or above.
         */
        patch: operations["patch_caller_id_pools_id"];
        trace?: never;
    };
    "/api/v1/caller-id-pools/{id}/numbers/{number}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Add a number (E.164, URL-encoded) to the pool, or change it
         * @description Needs the manager role or above.
         */
        put: operations["put_caller_id_pools_id_numbers_number"];
        post?: never;
        /**
         * Remove a number from the pool
         * @description Needs the manager role or above.
         */
        delete: operations["delete_caller_id_pools_id_numbers_number"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/calling-hours/defaults": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Each country's default local calling hours (calling_window {"country_defaults": true})
         * @description Needs the viewer role or above.
         */
        get: operations["get_calling_hours_defaults"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/campaigns": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List campaigns, newest first
         * @description Needs the viewer role or above.
         */
        get: operations["get_campaigns"];
        put?: never;
        /**
         * Create a campaign (a draft)
         * @description Needs the manager role or above.
         */
        post: operations["post_campaigns"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/campaigns/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A campaign
         * @description Needs the viewer role or above.
         */
        get: operations["get_campaigns_id"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change a campaign (any field of create)
         * @description Needs the manager role or above.
         */
        patch: operations["patch_campaigns_id"];
        trace?: never;
    };
    "/api/v1/campaigns/{id}/attempts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The campaign's attempts, a page at a time
         * @description Needs the viewer role or above.
         */
        get: operations["get_campaigns_id_attempts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/campaigns/{id}/attempts.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every attempt as CSV, streamed
         * @description Needs the viewer role or above.
         */
        get: operations["get_campaigns_id_attempts_csv"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/campaigns/{id}/clone": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A new draft with the campaign's settings, no contacts
         * @description Needs the manager role or above.
         */
        post: operations["post_campaigns_id_clone"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/campaigns/{id}/imports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The campaign's contact imports, newest first
         * @description Needs the viewer role or above.
         */
        get: operations["get_campaigns_id_imports"];
        put?: never;
        /**
         * Start a contact import: the column mapping (then PUT its data)
         * @description Needs the manager role or above.
         */
        post: operations["post_campaigns_id_imports"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/campaigns/{id}/preflight": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Why is nothing dialing? Trunk, due contacts, recent decisions, blockers
         * @description Needs the viewer role or above.
         */
        get: operations["get_campaigns_id_preflight"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/campaigns/{id}/report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Attempts by outcome, per minute and by SIP code
         * @description Needs the viewer role or above.
         */
        get: operations["get_campaigns_id_report"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/campaigns/{id}/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Contacts by state and final outcome
         * @description Needs the viewer role or above.
         */
        get: operations["get_campaigns_id_summary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/campaigns/{id}/{action}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Lifecycle: action is start, schedule, pause, resume, stop or archive (409 when it does not apply)
         * @description Needs the manager role or above.
         */
        post: operations["post_campaigns_id_action"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts/{id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A contact's attempts and the decisions about it
         * @description Needs the viewer role or above.
         */
        get: operations["get_contacts_id_history"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/dashboard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Campaigns' progress and trunks' lines in use, now
         * @description Needs the viewer role or above.
         */
        get: operations["get_dashboard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live ticks (Server-Sent Events, event: tick, data: Tick); resumes after Last-Event-ID
         * @description Needs the viewer role or above.
         */
        get: operations["get_events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An import and its progress
         * @description Needs the viewer role or above.
         */
        get: operations["get_imports_id"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/{id}/data": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * The CSV file, streamed in; answers when it is imported
         * @description Needs the manager role or above.
         */
        put: operations["put_imports_id_data"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/{id}/errors.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The rows the import refused: line,message
         * @description Needs the viewer role or above.
         */
        get: operations["get_imports_id_errors_csv"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/lists": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Black and white lists
         * @description Needs the viewer role or above.
         */
        get: operations["get_lists"];
        put?: never;
        /**
         * Create a list (global, or for one campaign)
         * @description Needs the manager role or above.
         */
        post: operations["post_lists"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/lists/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A list
         * @description Needs the viewer role or above.
         */
        get: operations["get_lists_id"];
        put?: never;
        post?: never;
        /**
         * Remove a list and its entries
         * @description Needs the manager role or above.
         */
        delete: operations["delete_lists_id"];
        options?: never;
        head?: never;
        /**
         * Rename a list (its kind and campaign cannot change)
         * @description Needs the manager role or above.
         */
        patch: operations["patch_lists_id"];
        trace?: never;
    };
    "/api/v1/lists/{id}/data": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Bulk upload, CSV: pattern[,reason] per line; a trailing * makes a prefix
         * @description Needs the manager role or above.
         */
        put: operations["put_lists_id_data"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/lists/{id}/entries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A list's entries in number order, a page at a time
         * @description Needs the viewer role or above.
         */
        get: operations["get_lists_id_entries"];
        put?: never;
        /**
         * Add (or update) an entry
         * @description Needs the manager role or above.
         */
        post: operations["post_lists_id_entries"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/lists/{id}/entries/{pattern}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove an entry (the pattern URL-encoded)
         * @description Needs the manager role or above.
         */
        delete: operations["delete_lists_id_entries_pattern"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/opt-outs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Never call this number again (the global opt-out blacklist)
         * @description Needs the manager role or above.
         */
        post: operations["post_opt_outs"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/prompts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List prompts
         * @description Needs the viewer role or above.
         */
        get: operations["get_prompts"];
        put?: never;
        /**
         * Upload a prompt: the audio file is the body
         * @description Needs the manager role or above.
         */
        post: operations["post_prompts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/prompts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A prompt
         * @description Needs the viewer role or above.
         */
        get: operations["get_prompts_id"];
        put?: never;
        post?: never;
        /**
         * Remove a prompt no campaign uses (409 otherwise)
         * @description Needs the manager role or above.
         */
        delete: operations["delete_prompts_id"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/prompts/{id}/audio": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The prompt's file, as uploaded
         * @description Needs the viewer role or above.
         */
        get: operations["get_prompts_id_audio"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/scripts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List call scripts
         * @description Needs the viewer role or above.
         */
        get: operations["get_scripts"];
        put?: never;
        /**
         * Create a call script (checked: each problem at its body.path)
         * @description Needs the manager role or above.
         */
        post: operations["post_scripts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/scripts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A call script
         * @description Needs the viewer role or above.
         */
        get: operations["get_scripts_id"];
        put?: never;
        post?: never;
        /**
         * Remove a call script no campaign plays (409 otherwise)
         * @description Needs the manager role or above.
         */
        delete: operations["delete_scripts_id"];
        options?: never;
        head?: never;
        /**
         * Change a call script's name or body
         * @description Needs the manager role or above.
         */
        patch: operations["patch_scripts_id"];
        trace?: never;
    };
    "/api/v1/speech/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Text spoken by the node's text-to-speech engine, as the call carries it
         * @description Needs the manager role or above.
         */
        post: operations["post_speech_preview"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * API tokens (yours; admins: anyone's with user_id)
         * @description Needs the viewer role or above.
         */
        get: operations["get_tokens"];
        put?: never;
        /**
         * Create an API token; its secret is shown once
         * @description Needs the manager role or above.
         */
        post: operations["post_tokens"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke an API token
         * @description Needs the manager role or above.
         */
        delete: operations["delete_tokens_id"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/trunk-groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Trunk groups
         * @description Needs the viewer role or above.
         */
        get: operations["get_trunk_groups"];
        put?: never;
        /**
         * Create a trunk group
         * @description Needs the manager role or above.
         */
        post: operations["post_trunk_groups"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/trunk-groups/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A trunk group and its members
         * @description Needs the viewer role or above.
         */
        get: operations["get_trunk_groups_id"];
        put?: never;
        post?: never;
        /**
         * Remove a trunk group no campaign uses (409 otherwise)
         * @description Needs the manager role or above.
         */
        delete: operations["delete_trunk_groups_id"];
        options?: never;
        head?: never;
        /**
         * Rename a trunk group or change its strategy
         * @description Needs the manager role or above.
         */
        patch: operations["patch_trunk_groups_id"];
        trace?: never;
    };
    "/api/v1/trunk-groups/{id}/members/{trunk_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Add a trunk to the group, or change its position, weight or prefixes
         * @description Needs the manager role or above.
         */
        put: operations["put_trunk_groups_id_members_trunk_id"];
        post?: never;
        /**
         * Remove a trunk from the group
         * @description Needs the manager role or above.
         */
        delete: operations["delete_trunk_groups_id_members_trunk_id"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/trunks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the carriers' SIP trunks
         * @description Needs the viewer role or above.
         */
        get: operations["get_trunks"];
        put?: never;
        /**
         * Add a trunk
         * @description Needs the manager role or above.
         */
        post: operations["post_trunks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/trunks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A trunk
         * @description Needs the viewer role or above.
         */
        get: operations["get_trunks_id"];
        put?: never;
        post?: never;
        /**
         * Remove a trunk no campaign uses (409 otherwise)
         * @description Needs the manager role or above.
         */
        delete: operations["delete_trunks_id"];
        options?: never;
        head?: never;
        /**
         * Change a trunk (any field of create)
         * @description Needs the manager role or above.
         */
        patch: operations["patch_trunks_id"];
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List users
         * @description Needs the admin role or above.
         */
        get: operations["get_users"];
        put?: never;
        /**
         * Create a user
         * @description Needs the admin role or above.
         */
        post: operations["post_users"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A user
         * @description Needs the admin role or above.
         */
        get: operations["get_users_id"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change a user's role, name or password, or disable them
         * @description Needs the admin role or above.
         */
        patch: operations["patch_users_id"];
        trace?: never;
    };
    "/api/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Webhooks on attempt outcomes, with their delivery counts
         * @description Needs the manager role or above.
         */
        get: operations["get_webhooks"];
        put?: never;
        /**
         * Add a webhook: every finished attempt is POSTed to it as JSON, signed (X-Herald-Signature: sha256=HMAC)
         * @description Needs the manager role or above.
         */
        post: operations["post_webhooks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove a webhook
         * @description Needs the manager role or above.
         */
        delete: operations["delete_webhooks_id"];
        options?: never;
        head?: never;
        /**
         * Change a webhook's URL or campaign, or disable it (its queued deliveries then wait)
         * @description Needs the manager role or above.
         */
        patch: operations["patch_webhooks_id"];
        trace?: never;
    };
    "/api/v1/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The webhook's latest deliveries, newest first: tries, last status and error, when tried next
         * @description Needs the manager role or above.
         */
        get: operations["get_webhooks_id_deliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Try a delivery again now, its tries counted afresh (409 if it was delivered)
         * @description Needs the manager role or above.
         */
        post: operations["post_webhooks_id_deliveries_delivery_id_retry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @description An entry of a list: a number, or with `is_prefix` every number
         *     starting with it.
         */
        AddEntryRequest: {
            /** Format: date-time */
            expires_at?: string | null;
            /** @default false */
            is_prefix: boolean | null;
            pattern: string;
            reason?: string | null;
        };
        /** @description The actions a manager may take on a campaign now, from its status. */
        AllowedActions: components["schemas"]["CampaignAction"][];
        AnswerCount: {
            /** Format: int64 */
            count: number;
            /** @description The menu (the gather step's name). */
            name: string;
            value: string;
        };
        /** @description A token as listed: never its secret or hash. */
        ApiToken: {
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            /**
             * Format: date-time
             * @description Updated at most once a minute.
             */
            last_used_at?: string | null;
            name: string;
            /** Format: date-time */
            revoked_at?: string | null;
            /** @description The owner's email, for lists that span users. */
            user_email: string;
            /** Format: int64 */
            user_id: number;
        };
        /** @description A page of attempts; `next` is the cursor for the following page. */
        AttemptPage: {
            items: components["schemas"]["AttemptRow"][];
            next?: string | null;
        };
        /** @description One attempt as the report lists it. */
        AttemptRow: {
            amd_verdict?: string | null;
            /** Format: date-time */
            answered_at?: string | null;
            /** @description The call script's menu answers (`{"confirm": "1"}`). */
            answers?: unknown;
            /** Format: int32 */
            attempt_no: number;
            caller_id?: string | null;
            /** Format: int64 */
            contact_id: number;
            dtmf?: string | null;
            early_media: boolean;
            /** Format: date-time */
            ended_at?: string | null;
            /** Format: int64 */
            id: number;
            /** Format: date-time */
            invite_at?: string | null;
            node_id: string;
            opted_out: boolean;
            outcome?: string | null;
            phone: string;
            /** Format: int32 */
            q850_cause?: number | null;
            /** Format: int32 */
            sip_code?: number | null;
            sip_reason?: string | null;
            /** Format: int32 */
            talk_ms?: number | null;
            /** Format: int64 */
            trunk_id?: number | null;
            voicemail_left: boolean;
        };
        /** @description One row of the audit log. */
        AuditEntry: {
            action: string;
            actor: string;
            /** Format: int64 */
            actor_user_id?: number | null;
            /** Format: date-time */
            at: string;
            details: unknown;
            entity: string;
            /** Format: int64 */
            entity_id?: number | null;
            /** Format: int64 */
            id: number;
        };
        AuditPage: {
            items: components["schemas"]["AuditEntry"][];
            /**
             * Format: int64
             * @description Pass as `before` for the next (older) page; absent on the last page.
             */
            next_before?: number | null;
        };
        CallScript: {
            /** @description The script (see the `herald_scenario` model). */
            body: unknown;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            name: string;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * @description One number of a pool, with its calls today (the UTC day, every campaign
         *     that presented it).
         */
        CallerId: {
            /**
             * Format: int32
             * @description Calls per day; `None`: no cap.
             */
            daily_cap?: number | null;
            enabled: boolean;
            /** Format: int64 */
            id: number;
            number: string;
            /** Format: int64 */
            pool_id: number;
            /**
             * Format: date-time
             * @description Resting (not presented) until then, after its answer rate collapsed.
             */
            rested_until?: string | null;
            /** Format: int64 */
            used_today: number;
        };
        CallerIdPool: {
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            name: string;
            /** @description fixed, round_robin, local_presence or least_used. */
            strategy: string;
        };
        /** @description A pool with its numbers, in the pool's order. */
        CallerIdPoolDetail: {
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            name: string;
            numbers: components["schemas"]["CallerId"][];
            /** @description fixed, round_robin, local_presence or least_used. */
            strategy: string;
        };
        /** @description A campaign as managers see and edit it. */
        Campaign: {
            /**
             * @description What a manager may do next from `status` (the lifecycle's table; a
             *     start or schedule may still be refused for a missing trunk or prompt).
             */
            allowed_actions: components["schemas"]["AllowedActions"];
            caller_id?: string | null;
            /**
             * Format: int64
             * @description Present numbers from this pool instead of `caller_id`.
             */
            caller_id_pool_id?: number | null;
            calling_window: unknown;
            /** Format: date-time */
            completed_at?: string | null;
            /** Format: int32 */
            concurrency_cap?: number | null;
            /** Format: double */
            cps_cap?: number | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            ends_at?: string | null;
            /** Format: int64 */
            id: number;
            /** Format: int32 */
            max_attempts: number;
            name: string;
            /** Format: int64 */
            prompt_id?: number | null;
            retry_rules: unknown;
            /** Format: int32 */
            ring_timeout_secs: number;
            schedule_start_cron?: string | null;
            schedule_stop_cron?: string | null;
            /**
             * Format: int64
             * @description Play this call script instead of `prompt_id`.
             */
            script_id?: number | null;
            /** Format: date-time */
            started_at?: string | null;
            /** Format: date-time */
            starts_at?: string | null;
            status: string;
            /** @description The campaign's own zone: its schedule's crons and dates are read in it. */
            timezone: string;
            /**
             * Format: int64
             * @description Route through this group's trunks (with failover) instead of `trunk_id`.
             */
            trunk_group_id?: number | null;
            /** Format: int64 */
            trunk_id?: number | null;
            /** Format: date-time */
            updated_at: string;
            whitelist_only: boolean;
        };
        /** @description A manager's lifecycle action on a campaign. */
        CampaignAction: "start" | "schedule" | "pause" | "resume" | "stop" | "archive";
        /** @description A campaign's outcomes, counted. */
        CampaignReport: {
            /** @description Keys collected by the call script's menus, counted by menu and value. */
            answers: components["schemas"]["AnswerCount"][];
            /** Format: double */
            average_talk_ms?: number | null;
            by_minute: components["schemas"]["MinuteOutcomes"][];
            /** Format: int64 */
            campaign_id: number;
            /**
             * Format: int64
             * @description Attempts on which the person opted out.
             */
            opted_out: number;
            /** @description Attempts by outcome (`open`: still in progress). */
            outcomes: {
                [key: string]: number;
            };
            sip_codes: {
                [key: string]: number;
            };
            /**
             * Format: int64
             * @description Attempts on which a voicemail was left.
             */
            voicemails_left: number;
        };
        /** @description Where a campaign stands. */
        CampaignSummary: {
            /** Format: int64 */
            attempts: number;
            /** Format: int64 */
            campaign_id: number;
            /** Format: int64 */
            contacts: number;
            /** Format: int64 */
            done: number;
            /** Format: date-time */
            first_invite_at?: string | null;
            /** Format: date-time */
            last_ended_at?: string | null;
            /** Format: int64 */
            leased: number;
            /** @description Finished contacts by their final outcome. */
            outcomes: {
                [key: string]: number;
            };
            /** Format: int64 */
            queued: number;
            status: string;
        };
        /**
         * @description One line of a contact's history: `dialed` (detail: the outcome),
         *     `deferred` or `skipped` (detail: the reason).
         */
        ContactEvent: {
            /** Format: date-time */
            at: string;
            detail: string;
            kind: string;
            /**
             * Format: date-time
             * @description For a deferral: when the contact is due again.
             */
            until?: string | null;
        };
        /** @description One country's default local calling hours. */
        CountryHours: {
            /**
             * Format: uint16
             * @description The country calling code; 0: every country without hours of its own.
             */
            country_code: number;
            /** @description A calling window (`{"mon": ["09:00-20:00"], …}`). */
            window: unknown;
        };
        /** @description A campaign's settings. */
        CreateCampaignRequest: {
            /** @description E.164. */
            caller_id?: string | null;
            /**
             * Format: int64
             * @description Present numbers from this pool (its strategy) instead of `caller_id`.
             */
            caller_id_pool_id?: number | null;
            /**
             * @description Local calling hours: `{"mon": ["09:00-17:00"], …, "blackout_dates":
             *     ["2026-12-25"]}`; `{"country_defaults": true, "blackout_dates": […]}`:
             *     each number's country default (`GET /calling-hours/defaults`); `{}`:
             *     any time.
             * @default {}
             */
            calling_window: {
                [key: string]: unknown;
            };
            /**
             * Format: int32
             * @description Concurrent calls for this campaign, across the cluster.
             */
            concurrency_cap?: number | null;
            /**
             * Format: double
             * @description Calls per second for this campaign, across the cluster.
             */
            cps_cap?: number | null;
            /** Format: date-time */
            ends_at?: string | null;
            /**
             * Format: int32
             * @default 1
             */
            max_attempts: number;
            name: string;
            /** Format: int64 */
            prompt_id?: number | null;
            /**
             * @description `{"busy": {"delay_secs": 300, "max_attempts": 3}, "no_answer": …}`.
             * @default {}
             */
            retry_rules: {
                [key: string]: unknown;
            };
            /**
             * Format: int32
             * @default 30
             */
            ring_timeout_secs: number;
            /** @description Cron in the campaign's zone. */
            schedule_start_cron?: string | null;
            schedule_stop_cron?: string | null;
            /**
             * Format: int64
             * @description Play this call script instead of `prompt_id`.
             */
            script_id?: number | null;
            /** Format: date-time */
            starts_at?: string | null;
            /**
             * @description IANA zone of the schedule.
             * @default UTC
             */
            timezone: string;
            /**
             * Format: int64
             * @description Route through this group (with failover) instead of `trunk_id`.
             */
            trunk_group_id?: number | null;
            /** Format: int64 */
            trunk_id?: number | null;
            /** @default false */
            whitelist_only: boolean;
        };
        /** @description A new trunk group. */
        CreateGroupRequest: {
            name: string;
            /**
             * @description `ordered`: the first trunk that admits the call; `weighted`: first
             *     tries shared by weight.
             * @default ordered
             * @enum {string|null}
             */
            strategy: "ordered" | "weighted" | null;
        };
        /** @description A contact import's column mapping (its file follows). */
        CreateImportRequest: {
            /** @description The header of the phone number column. */
            phone_column: string;
            /** @description Null: every other column is a tag. */
            tag_columns?: string[] | null;
            timezone_column?: string | null;
        };
        /** @description A new black or white list. */
        CreateListRequest: {
            /**
             * Format: int64
             * @description Null: every campaign.
             */
            campaign_id?: number | null;
            /** @enum {string} */
            kind: "black" | "white";
            name: string;
        };
        /** @description A new caller-ID pool. */
        CreatePoolRequest: {
            name: string;
            /**
             * @description How a call's caller ID is picked from the pool.
             * @default round_robin
             * @enum {string|null}
             */
            strategy: "fixed" | "round_robin" | "local_presence" | "least_used" | null;
        };
        /** @description A call script: its name and its steps. */
        CreateScriptRequest: {
            body: components["schemas"]["Script"];
            name: string;
        };
        /** @description A new API token. */
        CreateTokenRequest: {
            name: string;
            /**
             * Format: int64
             * @description Whose token (admins only; default: the caller's).
             */
            user_id?: number | null;
        };
        /** @description A carrier's SIP trunk. */
        CreateTrunkRequest: {
            auth_password?: string | null;
            /** @description Environment variable of the Talkers holding the password. */
            auth_password_env?: string | null;
            auth_username?: string | null;
            /**
             * Format: double
             * @description Calls per second (INVITEs sent).
             * @default 10
             */
            cps_limit: number;
            /** @default true */
            enabled: boolean;
            from_domain?: string | null;
            /** @description Host name or IP address. */
            host: string;
            /**
             * Format: int32
             * @description Concurrent calls.
             * @default 100
             */
            max_lines: number;
            name: string;
            /**
             * Format: int32
             * @default 5060
             */
            port: number;
            /**
             * @default udp
             * @enum {string}
             */
            transport: "udp" | "tcp";
        };
        /** @description A new user. */
        CreateUserRequest: {
            display_name?: string | null;
            /** Format: email */
            email: string;
            password: string;
            role: components["schemas"]["Role"];
        };
        /** @description A new webhook. */
        CreateWebhookRequest: {
            /**
             * Format: int64
             * @description Only this campaign's attempts; null: all.
             */
            campaign_id?: number | null;
            /** @description Made (and returned once) when left out. */
            secret?: string | null;
            /** Format: uri */
            url: string;
        };
        CreatedToken: {
            /** @description The bearer secret. Shown once: only its hash is kept. */
            secret: string;
            token: components["schemas"]["ApiToken"];
        };
        CreatedWebhook: {
            /** Format: int64 */
            id: number;
            /** @description Signs every body; shown once. */
            secret: string;
        };
        /** @description What the dashboard shows when it opens (live ticks follow over SSE). */
        Dashboard: {
            campaigns: components["schemas"]["DashboardCampaign"][];
            trunks: components["schemas"]["DashboardTrunk"][];
        };
        DashboardCampaign: {
            /** Format: int64 */
            contacts: number;
            /** Format: int64 */
            done: number;
            /** Format: int64 */
            id: number;
            /** Format: int64 */
            leased: number;
            name: string;
            /** @description Finished contacts by final outcome. */
            outcomes: {
                [key: string]: number;
            };
            /** Format: int64 */
            queued: number;
            /** Format: date-time */
            started_at?: string | null;
            status: string;
            /** Format: int64 */
            trunk_id?: number | null;
        };
        DashboardTrunk: {
            /** Format: double */
            cps_limit: number;
            enabled: boolean;
            /** Format: int64 */
            id: number;
            /**
             * Format: uint64
             * @description Filled in from Redis by the UI service, when it answers.
             */
            lines_in_use?: number | null;
            /** Format: int32 */
            max_lines: number;
            name: string;
        };
        DueInHour: {
            /** Format: int64 */
            contacts: number;
            /** Format: date-time */
            hour: string;
        };
        /** @description A page of entries; `next` is the cursor for the following one. */
        EntryPage: {
            items: components["schemas"]["ListEntry"][];
            next?: string | null;
        };
        Error: {
            error: {
                /** @description stable: unauthenticated, invalid_credentials, forbidden, csrf, not_found, conflict, validation, method_not_allowed, unsupported_media_type, payload_too_large, rate_limited, internal */
                code: string;
                fields?: {
                    [key: string]: string;
                };
                message: string;
            };
        };
        /** @description One upload of contacts and how far it got. */
        Import: {
            /** Format: int64 */
            bytes_read: number;
            /** Format: int64 */
            campaign_id: number;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            duplicates: number;
            error?: string | null;
            /** Format: date-time */
            finished_at?: string | null;
            /** Format: int64 */
            id: number;
            /** Format: int64 */
            imported: number;
            phone_column: string;
            /** Format: int64 */
            rejected: number;
            /** Format: int64 */
            rows_read: number;
            /** @description waiting (for its file), running, done or failed. */
            state: string;
            tag_columns?: string[] | null;
            timezone_column?: string | null;
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items: {
            items: components["schemas"]["User"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items10: {
            items: components["schemas"]["NumberList"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items11: {
            items: components["schemas"]["CallerIdPool"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items12: {
            items: components["schemas"]["Webhook"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items13: {
            items: components["schemas"]["WebhookDelivery"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items2: {
            items: components["schemas"]["ApiToken"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items3: {
            items: components["schemas"]["Trunk"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items4: {
            items: components["schemas"]["TrunkGroup"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items5: {
            items: components["schemas"]["PromptInfo"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items6: {
            items: components["schemas"]["CallScript"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items7: {
            items: components["schemas"]["CountryHours"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items8: {
            items: components["schemas"]["Campaign"][];
        };
        /** @description A list response: `{"items": [...]}`, so that fields can join it later. */
        Items9: {
            items: components["schemas"]["Import"][];
        };
        ListEntry: {
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            expires_at?: string | null;
            is_prefix: boolean;
            pattern: string;
            reason?: string | null;
        };
        /** @description What an upload did. */
        ListUpload: {
            /** @description Lines refused: `{line, message}` (the first 1,000). */
            rejected: components["schemas"]["RejectedLine"][];
            /** Format: uint64 */
            rejected_count: number;
            /** Format: uint64 */
            written: number;
        };
        /** @description Sign-in: a user's email address and password. */
        LoginRequest: {
            email: string;
            password: string;
        };
        LoginResponse: {
            csrf_token: string;
            /** Format: date-time */
            expires_at: string;
            user: components["schemas"]["User"];
        };
        MeResponse: {
            /**
             * @description Sessions only: what unsafe requests must send in `X-CSRF-Token`
             *     (a page reloaded after sign-in gets it back here).
             */
            csrf_token?: string | null;
            user: components["schemas"]["User"];
            via: components["schemas"]["Via"];
        };
        MinuteOutcomes: {
            /** Format: date-time */
            minute: string;
            outcomes: {
                [key: string]: number;
            };
        };
        NumberList: {
            /**
             * Format: int64
             * @description `None`: applies to every campaign.
             */
            campaign_id?: number | null;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            /** @description black or white. */
            kind: string;
            name: string;
        };
        OnMachine: "continue" | "hangup" | "leave_message";
        /** @description A number never to call again. */
        OptOutRequest: {
            phone: string;
            reason?: string | null;
        };
        /** @description "Why is nothing dialing?" — what a campaign needs to dial, checked now. */
        Preflight: {
            /** @description Things that stop the campaign from dialing right now. */
            blockers: string[];
            caller_id?: string | null;
            caller_ids?: components["schemas"]["PreflightCallerIds"] | null;
            /** @description Local calling hours are configured (`{}` means none). */
            calling_window: boolean;
            /** Format: int64 */
            campaign_id: number;
            /**
             * @description Contacts becoming due in each of the next 24 hours (`hour` is the
             *     start of the hour, UTC).
             */
            due_by_hour: components["schemas"]["DueInHour"][];
            /** Format: int64 */
            due_now: number;
            has_prompt: boolean;
            /**
             * @description The most calls per second and at once the campaign can make, and
             *     whose cap sets each.
             */
            limits: components["schemas"]["PreflightLimits"];
            /** Format: int64 */
            queued: number;
            /**
             * @description Why contacts were not dialed in the last hour, by reason (and why
             *     dialed ones waited: `campaign_cps_cap`, `trunk_line_cap`, …).
             */
            recent_decisions: {
                [key: string]: number;
            };
            status: string;
            /** @description The campaign's trunk, if it has one, and whether it is enabled. */
            trunk?: components["schemas"]["PreflightTrunk"] | null;
            /** @description The campaign's trunk group, if it routes through one. */
            trunk_group?: components["schemas"]["PreflightGroup"] | null;
        };
        /** @description The campaign's caller-ID pool, as it stands today. */
        PreflightCallerIds: {
            /** Format: int64 */
            at_daily_cap: number;
            /**
             * Format: int64
             * @description Enabled, not resting and under their daily cap: presentable now.
             */
            available: number;
            name: string;
            /** Format: int64 */
            numbers: number;
            /** Format: int64 */
            pool_id: number;
            /** Format: int64 */
            resting: number;
        };
        /** @description The campaign's trunk group and its trunks. */
        PreflightGroup: {
            /** Format: int64 */
            id: number;
            name: string;
            strategy: string;
            /** @description In the group's order. */
            trunks: components["schemas"]["PreflightTrunk"][];
        };
        /** @description The campaign's ceilings: the lower of its own caps and its trunks'. */
        PreflightLimits: {
            /** Format: int64 */
            concurrent_calls?: number | null;
            concurrent_calls_set_by?: string | null;
            /**
             * Format: double
             * @description Calls per second at most (`None`: no enabled trunk and no cap).
             */
            cps?: number | null;
            /** @description `campaign` or `trunks`: whose cap is the lower (the campaign's when equal). */
            cps_set_by?: string | null;
        };
        PreflightTrunk: {
            /**
             * @description The Talkers' last OPTIONS probe (filled in from Redis by the UI
             *     service; `None` when nobody probed it lately or Redis is away).
             */
            answers_options?: boolean | null;
            /** Format: double */
            cps_limit: number;
            enabled: boolean;
            /** Format: int64 */
            id: number;
            /** Format: int32 */
            max_lines: number;
            name: string;
            /** @description What the last probe saw, and which node and when. */
            probe?: string | null;
        };
        /** @description A prompt without its audio. */
        PromptInfo: {
            content_type: string;
            /** Format: date-time */
            created_at: string;
            /** Format: int32 */
            duration_ms: number;
            filename: string;
            /** Format: int64 */
            id: number;
            name: string;
        };
        /** @description A trunk's place in a group. */
        PutMemberRequest: {
            /**
             * Format: int32
             * @description Lower first (ordered).
             * @default 0
             */
            position: number | null;
            /**
             * @description Only numbers starting with one of these; empty: all.
             * @default []
             */
            prefixes: string[] | null;
            /**
             * Format: int32
             * @description Share of first tries (weighted).
             * @default 1
             */
            weight: number | null;
        };
        /**
         * @description A number of a caller-ID pool: the fields sent change, the others keep
         *     their values (a new number: no cap, enabled).
         */
        PutNumberRequest: {
            /**
             * Format: int32
             * @description Calls per day (UTC); null: no cap.
             */
            daily_cap?: number | null;
            /** @default true */
            enabled: boolean;
        };
        RejectedLine: {
            /** Format: uint64 */
            line: number;
            message: string;
        };
        /** @description What a user may do. Ordered: every role may do what the roles below it may. */
        Role: "viewer" | "manager" | "admin";
        /** @description A call script: its steps, and what to do when a machine answers. */
        Script: {
            /**
             * @description What to do when answering-machine detection says a machine answered.
             * @default continue
             */
            on_machine: components["schemas"]["OnMachine"];
            /** @description What an answering person hears, in order; the call ends after the last. */
            steps: components["schemas"]["Step"][];
            /**
             * @description Text-to-speech voice for `say` steps (an espeak-ng voice such as
             *     `en-us`, or the HTTP engine's voice); `None`: the node's default.
             * @default null
             */
            voice: string | null;
            /**
             * @description Played after the machine's beep when `on_machine` is `leave_message`.
             * @default []
             */
            voicemail: components["schemas"]["Step"][];
        };
        /** @description Text to hear as a call would carry it. */
        SpeechPreviewRequest: {
            /** @description `{{tags}}` are left for the call to fill. */
            text: string;
            /** @description Null: the node's default voice. */
            voice?: string | null;
        };
        /** @description One step of a script. */
        Step: {
            /** Format: int64 */
            prompt_id: number;
            /** @constant */
            type: "play";
        } | {
            text: string;
            /** @constant */
            type: "say";
        } | {
            /** Format: uint32 */
            ms: number;
            /** @constant */
            type: "pause";
        } | {
            /**
             * Format: uint8
             * @default 2
             */
            attempts: number;
            /** @default {} */
            branches: {
                [key: string]: components["schemas"]["Step"][];
            };
            /**
             * @description A key that ends the input early (not kept), e.g. `#`.
             * @default null
             */
            finish_on_key: string | null;
            /**
             * Format: uint8
             * @default 1
             */
            max_digits: number;
            name: string;
            /** @default [] */
            otherwise: components["schemas"]["Step"][];
            /** @default [] */
            prompt: components["schemas"]["Step"][];
            /**
             * Format: uint32
             * @description Waiting after the prompt, and between keys.
             * @default 5
             */
            timeout_secs: number;
            /** @constant */
            type: "gather";
        } | {
            /** @constant */
            type: "opt_out";
        } | {
            /** @constant */
            type: "hangup";
        };
        /** @description A carrier SIP trunk as stored. */
        Trunk: {
            auth_password?: string | null;
            auth_password_env?: string | null;
            auth_username?: string | null;
            /** Format: double */
            cps_limit: number;
            enabled: boolean;
            from_domain?: string | null;
            host: string;
            /** Format: int64 */
            id: number;
            /** Format: int32 */
            max_lines: number;
            name: string;
            /** Format: int32 */
            port: number;
            transport: string;
        };
        TrunkGroup: {
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            name: string;
            /** @description ordered or weighted. */
            strategy: string;
        };
        TrunkGroupDetail: {
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            members: components["schemas"]["TrunkGroupMember"][];
            name: string;
            /** @description ordered or weighted. */
            strategy: string;
        };
        TrunkGroupMember: {
            /** Format: int32 */
            position: number;
            /** @description Only numbers starting with one of these use the trunk; empty: all. */
            prefixes: string[];
            /** Format: int64 */
            trunk_id: number;
            /** Format: int32 */
            weight: number;
        };
        /** @description Any of these fields; those left out keep their values. */
        UpdateCampaignRequest: {
            /** @description E.164. */
            caller_id?: string | null;
            /**
             * Format: int64
             * @description Present numbers from this pool (its strategy) instead of `caller_id`.
             */
            caller_id_pool_id?: number | null;
            /**
             * @description Local calling hours: `{"mon": ["09:00-17:00"], …, "blackout_dates":
             *     ["2026-12-25"]}`; `{"country_defaults": true, "blackout_dates": […]}`:
             *     each number's country default (`GET /calling-hours/defaults`); `{}`:
             *     any time.
             */
            calling_window?: {
                [key: string]: unknown;
            };
            /**
             * Format: int32
             * @description Concurrent calls for this campaign, across the cluster.
             */
            concurrency_cap?: number | null;
            /**
             * Format: double
             * @description Calls per second for this campaign, across the cluster.
             */
            cps_cap?: number | null;
            /** Format: date-time */
            ends_at?: string | null;
            /** Format: int32 */
            max_attempts?: number;
            name?: string;
            /** Format: int64 */
            prompt_id?: number | null;
            /** @description `{"busy": {"delay_secs": 300, "max_attempts": 3}, "no_answer": …}`. */
            retry_rules?: {
                [key: string]: unknown;
            };
            /** Format: int32 */
            ring_timeout_secs?: number;
            /** @description Cron in the campaign's zone. */
            schedule_start_cron?: string | null;
            schedule_stop_cron?: string | null;
            /**
             * Format: int64
             * @description Play this call script instead of `prompt_id`.
             */
            script_id?: number | null;
            /** Format: date-time */
            starts_at?: string | null;
            /** @description IANA zone of the schedule. */
            timezone?: string;
            /**
             * Format: int64
             * @description Route through this group (with failover) instead of `trunk_id`.
             */
            trunk_group_id?: number | null;
            /** Format: int64 */
            trunk_id?: number | null;
            whitelist_only?: boolean;
        };
        /** @description Any of these fields; those left out keep their values. */
        UpdateGroupRequest: {
            name?: string;
            /** @enum {string} */
            strategy?: "ordered" | "weighted";
        };
        /** @description Any of these fields; those left out keep their values. */
        UpdateListRequest: {
            name?: string;
        };
        /** @description Any of these fields; those left out keep their values. */
        UpdatePoolRequest: {
            name?: string;
            /** @enum {string} */
            strategy?: "fixed" | "round_robin" | "local_presence" | "least_used";
        };
        /** @description Any of these fields; those left out keep their values. */
        UpdateScriptRequest: {
            body?: components["schemas"]["Script"];
            name?: string;
        };
        /** @description Any of these fields; those left out keep their values. */
        UpdateTrunkRequest: {
            auth_password?: string | null;
            /** @description Environment variable of the Talkers holding the password. */
            auth_password_env?: string | null;
            auth_username?: string | null;
            /**
             * Format: double
             * @description Calls per second (INVITEs sent).
             */
            cps_limit?: number;
            enabled?: boolean;
            from_domain?: string | null;
            /** @description Host name or IP address. */
            host?: string;
            /**
             * Format: int32
             * @description Concurrent calls.
             */
            max_lines?: number;
            name?: string;
            /** Format: int32 */
            port?: number;
            /** @enum {string} */
            transport?: "udp" | "tcp";
        };
        /** @description Changes to a user: any of these fields. */
        UpdateUserRequest: {
            disabled?: boolean | null;
            display_name?: string | null;
            password?: string | null;
            role?: components["schemas"]["Role"] | null;
        };
        /** @description Any of these fields; those left out keep their values. */
        UpdateWebhookRequest: {
            /**
             * Format: int64
             * @description Only this campaign's attempts; null: all.
             */
            campaign_id?: number | null;
            /** @description False: nothing is queued, and what is queued waits. */
            enabled?: boolean;
            /** Format: uri */
            url?: string;
        };
        /** @description A user as the API shows it: no password hash. */
        User: {
            /** Format: date-time */
            created_at: string;
            disabled: boolean;
            display_name: string;
            email: string;
            /** Format: int64 */
            id: number;
            role: components["schemas"]["Role"];
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * @description How a request was authenticated.
         * @enum {string}
         */
        Via: "session" | "token";
        Webhook: {
            /**
             * Format: int64
             * @description `None`: every campaign.
             */
            campaign_id?: number | null;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            delivered: number;
            enabled: boolean;
            /**
             * Format: int64
             * @description Deliveries given up after too many tries.
             */
            failed: number;
            /** Format: int64 */
            id: number;
            last_error?: string | null;
            /**
             * Format: int64
             * @description Deliveries waiting to be sent (first tries and retries).
             */
            pending: number;
            url: string;
        };
        /** @description One delivery of an attempt to a webhook, as its integrator sees it. */
        WebhookDelivery: {
            /** Format: int64 */
            attempt_id: number;
            /** Format: date-time */
            delivered_at?: string | null;
            /** @description Given up after too many tries (a retry makes it due again). */
            failed: boolean;
            /** Format: int64 */
            id: number;
            last_error?: string | null;
            /**
             * Format: int32
             * @description The HTTP status the endpoint last answered; `None`: no answer yet
             *     (not tried, or the connection failed: see `last_error`).
             */
            last_status?: number | null;
            /**
             * Format: date-time
             * @description When it is tried next; `None` once delivered or given up.
             */
            next_try_at?: string | null;
            /**
             * Format: int32
             * @description Tries made (since the last manual retry).
             */
            tries: number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    get_audit: {
        parameters: {
            query?: {
                /** @description the previous page's next_before */
                before?: string;
                /** @description 1 to 500 (default 100) */
                limit?: string;
                /** @description e.g. campaign, trunk, user */
                entity?: string;
                /** @description with entity */
                entity_id?: string;
                /** @description changes made by this user */
                actor_user_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_auth_login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LoginResponse"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_auth_logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_auth_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MeResponse"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_caller_id_pools: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items11"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_caller_id_pools: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreatePoolRequest"];
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallerIdPool"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_caller_id_pools_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallerIdPoolDetail"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_caller_id_pools_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patch_caller_id_pools_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdatePoolRequest"];
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallerIdPool"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    put_caller_id_pools_id_numbers_number: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                number: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PutNumberRequest"];
            };
        };
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_caller_id_pools_id_numbers_number: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                number: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_calling_hours_defaults: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items7"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_campaigns: {
        parameters: {
            query?: {
                /** @description only this status (archived campaigns are listed only this way) */
                status?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items8"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_campaigns: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateCampaignRequest"];
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_campaigns_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patch_campaigns_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateCampaignRequest"];
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_campaigns_id_attempts: {
        parameters: {
            query?: {
                /** @description answered, busy, no_answer, rejected, failed, machine, lost_with_node or open */
                outcome?: string;
                /** @description numbers starting with this */
                phone?: string;
                /** @description the previous page's next */
                after?: string;
                /** @description 1 to 1000 (default 50) */
                limit?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AttemptPage"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_campaigns_id_attempts_csv: {
        parameters: {
            query?: {
                /** @description as for attempts */
                outcome?: string;
                /** @description as for attempts */
                phone?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": unknown;
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_campaigns_id_clone: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_campaigns_id_imports: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items9"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_campaigns_id_imports: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateImportRequest"];
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Import"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_campaigns_id_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Preflight"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_campaigns_id_report: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CampaignReport"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_campaigns_id_summary: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CampaignSummary"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_campaigns_id_action: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                action: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_contacts_id_history: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContactEvent"][];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_dashboard: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Dashboard"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_events: {
        parameters: {
            query?: {
                /** @description only this campaign's attempts */
                campaign?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": unknown;
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_imports_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Import"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    put_imports_id_data: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "text/csv": string;
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Import"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_imports_id_errors_csv: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": unknown;
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_lists: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items10"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_lists: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateListRequest"];
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NumberList"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_lists_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NumberList"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_lists_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patch_lists_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateListRequest"];
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NumberList"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    put_lists_id_data: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "text/csv": string;
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListUpload"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_lists_id_entries: {
        parameters: {
            query?: {
                /** @description entries starting with this, e.g. +4930 */
                search?: string;
                /** @description the previous page's next */
                after?: string;
                /** @description 1 to 1000 (default 50) */
                limit?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EntryPage"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_lists_id_entries: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AddEntryRequest"];
            };
        };
        responses: {
            /** @description done */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_lists_id_entries_pattern: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                pattern: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_opt_outs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OptOutRequest"];
            };
        };
        responses: {
            /** @description done */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_prompts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items5"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_prompts: {
        parameters: {
            query?: {
                /** @description required: the prompt's name */
                name?: string;
                /** @description required: ends in .wav, .mp3, .ogg or .flac */
                filename?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/octet-stream": string;
                "audio/flac": string;
                "audio/mpeg": string;
                "audio/ogg": string;
                "audio/wav": string;
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PromptInfo"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_prompts_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PromptInfo"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_prompts_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_prompts_id_audio: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "audio/*": unknown;
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_scripts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items6"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_scripts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateScriptRequest"];
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallScript"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_scripts_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallScript"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_scripts_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patch_scripts_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateScriptRequest"];
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallScript"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_speech_preview: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SpeechPreviewRequest"];
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "audio/wav": unknown;
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_tokens: {
        parameters: {
            query?: {
                /** @description admins only: that user's tokens */
                user_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items2"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_tokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateTokenRequest"];
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedToken"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_tokens_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_trunk_groups: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items4"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_trunk_groups: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateGroupRequest"];
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrunkGroup"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_trunk_groups_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrunkGroupDetail"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_trunk_groups_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patch_trunk_groups_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateGroupRequest"];
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrunkGroup"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    put_trunk_groups_id_members_trunk_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                trunk_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PutMemberRequest"];
            };
        };
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_trunk_groups_id_members_trunk_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                trunk_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_trunks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items3"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_trunks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateTrunkRequest"];
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Trunk"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_trunks_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Trunk"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_trunks_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patch_trunks_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateTrunkRequest"];
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Trunk"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_users: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_users: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateUserRequest"];
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_users_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patch_users_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateUserRequest"];
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_webhooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items12"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_webhooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateWebhookRequest"];
            };
        };
        responses: {
            /** @description success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedWebhook"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    delete_webhooks_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patch_webhooks_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateWebhookRequest"];
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    get_webhooks_id_deliveries: {
        parameters: {
            query?: {
                /** @description 1 to 500 (default 50) */
                limit?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Items13"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    post_webhooks_id_deliveries_delivery_id_retry: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                delivery_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDelivery"];
                };
            };
            /** @description invalid input: error.fields says what is wrong with each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no or invalid credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the role may not do this, or the CSRF token is missing */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description conflicts with what is stored */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
