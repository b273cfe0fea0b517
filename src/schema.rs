// @generated automatically by Diesel CLI.

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        name -> Text,
        scope -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_daily_views (article_id, day) {
        article_id -> Integer,
        day -> Date,
        views -> BigInt,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Integer,
        tag_id -> Integer,
    }
}

diesel::table! {
    articles (id) {
        id -> Integer,
        slug -> Text,
        title -> Text,
        summary -> Nullable<Text>,
        body -> Text,
        author -> Nullable<Text>,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        category_id -> Nullable<Integer>,
        cover_image_url -> Nullable<Text>,
        featured -> Bool,
        view_count -> BigInt,
        reading_time_minutes -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        trashed_at -> Nullable<Timestamp>,
        editor -> Nullable<Text>,
        author_id -> Nullable<Integer>,
        announced_at -> Nullable<Timestamp>,
        cover_image_id -> Nullable<Integer>,
        seo_title -> Nullable<Text>,
        seo_description -> Nullable<Text>,
        canonical_url -> Nullable<Text>,
        og_image_url -> Nullable<Text>,
    }
}

diesel::table! {
    media (id) {
        id -> Integer,
        file -> Text,
        mime_type -> Text,
        width -> Integer,
        height -> Integer,
        bytes -> BigInt,
        variants -> Text,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    article_revisions (article_id, version) {
        article_id -> Integer,
        version -> Integer,
        title -> Text,
        status -> Text,
        updated_at -> Timestamp,
        editor -> Nullable<Text>,
        content -> Text,
    }
}

diesel::table! {
    authors (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        name_folded -> Text,
        bio -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    categories (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        parent_id -> Nullable<Integer>,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    outside_writes (id) {
        id -> Integer,
        generation -> BigInt,
    }
}

diesel::table! {
    search_changes (seq) {
        seq -> BigInt,
        article_id -> Integer,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        name_folded -> Text,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Integer,
        url -> Text,
        events -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        secret -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_messages (id) {
        id -> Integer,
        event -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Integer,
        webhook_id -> Integer,
        message_id -> Integer,
        event -> Text,
        status -> Text,
        attempts -> Integer,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        next_attempt_at -> Nullable<Timestamp>,
        give_up_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(article_daily_views -> articles (article_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhook_messages (message_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(articles -> categories (category_id));

diesel::joinable!(articles -> authors (author_id));
diesel::joinable!(articles -> media (cover_image_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    webhook_deliveries,
    webhook_messages,
    webhooks,
    article_daily_views,
    article_revisions,
    article_tags,
    articles,
    authors,
    categories,
    media,
    outside_writes,
    search_changes,
    tags,
);
