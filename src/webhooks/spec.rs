//! The `webhooks` of the OpenAPI document: one entry per event, each a POST to the
//! subscriber with the Standard Webhooks headers and `{"type", "timestamp", "data"}`.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, PathsBuilder, Ref, RefOr, Required, ResponseBuilder};

/// The events the server sends, with what each means.
const SENT: [(&str, &str); 19] = [
    ("article.created", "An article was created (any status)."),
    ("article.updated", "An article's content changed (a restored revision included)."),
    ("article.published", "An article became public: published, restored, or its scheduled time came (once)."),
    ("article.unpublished", "A public article stopped being so: unpublished, archived, rescheduled or trashed."),
    ("article.trashed", "An article moved to the trash."),
    ("article.restored", "An article came back from the trash."),
    ("article.deleted", "An article was deleted for good (by hand or by the trash purge)."),
    ("category.created", "A category was created."),
    ("category.updated", "A category changed."),
    ("category.deleted", "A category was deleted."),
    ("tag.created", "A tag was created through the tag API."),
    ("tag.updated", "A tag changed."),
    ("tag.deleted", "A tag was deleted."),
    ("author.created", "An author profile was created."),
    ("author.updated", "An author profile changed."),
    ("author.deleted", "An author profile was deleted."),
    ("media.created", "An image was uploaded to the media library."),
    ("media.deleted", "An image was deleted from the media library."),
    ("ping", "Sent by `POST /api/v1/webhooks/{id}/ping`; `data.id` is the webhook's id."),
];

/// The schema of an event's `data`: the resource it names (`article.updated`:
/// `Article`), or `None` for deletions and pings, which carry `{"id"}`.
fn data_schema(event: &str) -> Option<String> {
    let (resource, what) = event.split_once('.')?;
    let mut name = resource.to_owned();
    name[..1].make_ascii_uppercase();
    (what != "deleted").then_some(name)
}

fn header(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// Adds the `webhooks` section to `api`.
pub fn document(api: &mut OpenApi) {
    let mut paths = PathsBuilder::new();
    for (event, description) in SENT {
        let data: RefOr<Schema> = match data_schema(event) {
            Some(schema) => RefOr::Ref(Ref::from_schema_name(schema)),
            None => RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .property("id", ObjectBuilder::new().schema_type(Type::Integer).format(None))
                    .required("id")
                    .description(Some("The id of what was deleted (of the webhook, for a ping)."))
                    .build(),
            )),
        };
        let body = ObjectBuilder::new()
            .property("type", ObjectBuilder::new().schema_type(Type::String).enum_values(Some([event])))
            .required("type")
            .property(
                "timestamp",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::DateTime)))
                    .description(Some("When the change happened (UTC)")),
            )
            .required("timestamp")
            .property("data", data)
            .required("data");
        let operation = OperationBuilder::new()
            .summary(Some(description))
            .description(Some(
                "POSTed to the subscription's URL. Verify `webhook-signature` with the subscription's secret \
                 (any Standard Webhooks library does), answer 2xx within 10 s; anything else is retried after \
                 about 5 s, 1 min, 10 min, 1 h, 6 h, then every 12 h for 3 days. Redirects are not followed. \
                 Deliveries to one subscription arrive in the order of the changes; one may arrive twice.",
            ))
            .tag("webhooks")
            .operation_id(Some(format!("webhook_{}", event.replace('.', "_"))))
            // The receiver checks `webhook-signature`; no bearer token is sent.
            .securities(Some(Vec::<utoipa::openapi::security::SecurityRequirement>::new()))
            .response(
                "400",
                ResponseBuilder::new().description("Refused by the receiver: retried like any non-2xx").build(),
            )
            .parameter(header("webhook-id", "The message id (`msg_…`), the same on every retry: deduplicate on it"))
            .parameter(header("webhook-timestamp", "Unix seconds when this attempt was signed"))
            .parameter(header(
                "webhook-signature",
                "`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the \
                 base64-decoded secret after `whsec_`",
            ))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", ContentBuilder::new().schema(Some(body)).build())
                    .required(Some(Required::True))
                    .build(),
            ))
            .response("200", ResponseBuilder::new().description("Received (any 2xx will do)").build())
            .build();
        paths = paths.path(event, PathItem::new(HttpMethod::Post, operation));
    }
    api.webhooks = Some(paths.build());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_names_its_data() {
        assert_eq!(data_schema("article.published").as_deref(), Some("Article"));
        assert_eq!(data_schema("category.updated").as_deref(), Some("Category"));
        assert_eq!(data_schema("author.deleted"), None);
        assert_eq!(data_schema("ping"), None);
    }
}
