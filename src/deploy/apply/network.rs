//! Security groups and their rules, the load balancer, its listener, target groups and rules.

use super::{
    Action, BTreeMap, Change, Failure, Made, Result, Run, Step, Value, code_of, elb_api, failed,
    int_of, json, str_of, strings_of,
};

impl Run<'_> {
    pub(super) async fn create_group(&self, owner: &str, resource: &str) -> Result<Made> {
        let (aws, d) = (self.aws, self.desired);
        let doc = self.fill(&d.groups[owner].create, resource)?;
        let spec = &json::list_of(&doc, "TagSpecifications")[0];
        let tags = json::tags_of(spec, "Tags")
            .into_iter()
            .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
            .collect();
        let out = aws
            .ec2
            .create_security_group()
            .set_group_name(str_of(&doc, "GroupName"))
            .set_description(str_of(&doc, "Description"))
            .set_vpc_id(str_of(&doc, "VpcId"))
            .tag_specifications(
                aws_sdk_ec2::types::TagSpecification::builder()
                    .resource_type(aws_sdk_ec2::types::ResourceType::SecurityGroup)
                    .set_tags(Some(tags))
                    .build(),
            )
            .send()
            .await
            .map_err(failed(resource))?;
        Ok(Made::name(
            format!("security-group:{owner}"),
            out.group_id().unwrap_or_default(),
        ))
    }

    pub(super) async fn ingress(&self, owner: &str, resource: &str) -> Result<Made> {
        let group_id = self
            .names
            .get(&format!("security-group:{owner}"))
            .unwrap_or_default()
            .to_owned();
        let want: BTreeMap<String, aws_sdk_ec2::types::IpPermission> =
            match &self.desired.groups[owner].ingress {
                Some(doc) => crate::deploy::live::ingress_rules(&self.fill(doc, resource)?),
                None => BTreeMap::new(),
            };
        let have = self
            .live
            .groups
            .get(owner)
            .map(|g| g.rules.clone())
            .unwrap_or_default();
        let add: Vec<_> = want
            .iter()
            .filter(|(k, _)| !have.contains_key(*k))
            .map(|(_, p)| p.clone())
            .collect();
        let remove: Vec<_> = have
            .iter()
            .filter(|(k, _)| !want.contains_key(*k))
            .map(|(_, p)| p.clone())
            .collect();
        if !add.is_empty() {
            match self
                .aws
                .ec2
                .authorize_security_group_ingress()
                .group_id(&group_id)
                .set_ip_permissions(Some(add))
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if code_of(&e) == Some("InvalidPermission.Duplicate") => {}
                Err(e) => return Err(failed(resource)(e)),
            }
        }
        if !remove.is_empty() {
            self.aws
                .ec2
                .revoke_security_group_ingress()
                .group_id(&group_id)
                .set_ip_permissions(Some(remove))
                .send()
                .await
                .map_err(failed(resource))?;
        }
        Ok(Made::default())
    }

    pub(super) async fn load_balancer(&self, update: bool, resource: &str) -> Result<Made> {
        use aws_sdk_elasticloadbalancingv2::types as t;
        let doc = self.fill(&self.desired.lb()["loadBalancer"], resource)?;
        if update {
            let arn = self.names.get("load-balancer").unwrap_or_default();
            self.aws
                .elb
                .set_subnets()
                .load_balancer_arn(arn)
                .set_subnets(strings_of(&doc, "Subnets"))
                .send()
                .await
                .map_err(failed(resource))?;
            self.aws
                .elb
                .set_security_groups()
                .load_balancer_arn(arn)
                .set_security_groups(strings_of(&doc, "SecurityGroups"))
                .send()
                .await
                .map_err(failed(resource))?;
            return Ok(Made::default());
        }
        let out = self
            .aws
            .elb
            .create_load_balancer()
            .set_name(str_of(&doc, "Name"))
            .set_subnets(strings_of(&doc, "Subnets"))
            .set_security_groups(strings_of(&doc, "SecurityGroups"))
            .set_scheme(str_of(&doc, "Scheme").map(|s| t::LoadBalancerSchemeEnum::from(s.as_str())))
            .set_type(str_of(&doc, "Type").map(|s| t::LoadBalancerTypeEnum::from(s.as_str())))
            .set_ip_address_type(
                str_of(&doc, "IpAddressType").map(|s| t::IpAddressType::from(s.as_str())),
            )
            .set_tags(Some(elb_api::tags(&doc)))
            .send()
            .await
            .map_err(failed(resource))?;
        let arn = out
            .load_balancers()
            .first()
            .and_then(|l| l.load_balancer_arn())
            .unwrap_or_default();
        Ok(Made::name("load-balancer", arn))
    }

    pub(super) async fn target_group(
        &self,
        service: &str,
        update: bool,
        resource: &str,
    ) -> Result<Made> {
        use aws_sdk_elasticloadbalancingv2::types as t;
        let doc = self.fill(&self.desired.lb()["targetGroups"][service], resource)?;
        if update {
            let arn = self
                .names
                .get(&format!("target-group:{service}"))
                .unwrap_or_default();
            self.aws
                .elb
                .modify_target_group()
                .target_group_arn(arn)
                .health_check(&doc)
                .send()
                .await
                .map_err(failed(resource))?;
            return Ok(Made::default());
        }
        let out = self
            .aws
            .elb
            .create_target_group()
            .set_name(str_of(&doc, "Name"))
            .set_protocol(str_of(&doc, "Protocol").map(|s| t::ProtocolEnum::from(s.as_str())))
            .set_port(int_of(&doc, "Port"))
            .set_vpc_id(str_of(&doc, "VpcId"))
            .set_target_type(
                str_of(&doc, "TargetType").map(|s| t::TargetTypeEnum::from(s.as_str())),
            )
            .health_check(&doc)
            .set_tags(Some(elb_api::tags(&doc)))
            .send()
            .await
            .map_err(failed(resource))?;
        let arn = out
            .target_groups()
            .first()
            .and_then(|g| g.target_group_arn())
            .unwrap_or_default();
        Ok(Made::name(format!("target-group:{service}"), arn))
    }

    /// The listener of `load-balancer.json`'s `key` (`listener`, `redirectListener`): created or
    /// modified in place, then its attributes (HSTS) set.
    pub(super) async fn listener(&self, key: &str, update: bool, resource: &str) -> Result<Made> {
        use aws_sdk_elasticloadbalancingv2::types as t;
        let doc = self.fill(&self.desired.lb()[key], resource)?;
        let protocol = str_of(&doc, "Protocol").map(|s| t::ProtocolEnum::from(s.as_str()));
        let live = if key == "listener" {
            self.live.listener.as_ref()
        } else {
            self.live.redirect_listener.as_ref()
        };
        let attributes = if key == "listener" {
            elb_api::listener_attributes(&self.desired.lb()["listenerAttributes"])
        } else {
            Vec::new()
        };
        let arn = if update {
            let arn = live.map(|l| l.arn.clone()).ok_or_else(|| Failure {
                resource: resource.to_owned(),
                message: "no listener was read to update".into(),
                call: None,
            })?;
            // HSTS the spec no longer asks for is turned off first, while the listener is still
            // HTTPS (the attribute belongs to HTTPS listeners): the empty value is AWS's "no
            // header".
            if attributes.is_empty() && live.is_some_and(|l| l.view.get("Attributes").is_some()) {
                self.aws
                    .elb
                    .modify_listener_attributes()
                    .listener_arn(&arn)
                    .attributes(
                        t::ListenerAttribute::builder()
                            .key(crate::targets::ecs::HSTS_ATTRIBUTE)
                            .value("")
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(failed(resource))?;
            }
            self.aws
                .elb
                .modify_listener()
                .listener_arn(&arn)
                .set_protocol(protocol.clone())
                .set_port(int_of(&doc, "Port"))
                .set_certificates(elb_api::certificates(&doc))
                .set_ssl_policy(str_of(&doc, "SslPolicy"))
                .set_default_actions(Some(elb_api::actions(&doc, "DefaultActions")))
                .send()
                .await
                .map_err(failed(resource))?;
            arn
        } else {
            let out = self
                .aws
                .elb
                .create_listener()
                .set_load_balancer_arn(str_of(&doc, "LoadBalancerArn"))
                .set_protocol(protocol)
                .set_port(int_of(&doc, "Port"))
                .set_certificates(elb_api::certificates(&doc))
                .set_ssl_policy(str_of(&doc, "SslPolicy"))
                .set_default_actions(Some(elb_api::actions(&doc, "DefaultActions")))
                .set_tags(Some(elb_api::tags(&doc)))
                .send()
                .await
                .map_err(failed(resource))?;
            out.listeners()
                .first()
                .and_then(|l| l.listener_arn())
                .map(str::to_owned)
                .ok_or_else(|| Failure {
                    resource: resource.to_owned(),
                    message: "CreateListener returned no listener".into(),
                    call: None,
                })?
        };
        if !attributes.is_empty() {
            self.aws
                .elb
                .modify_listener_attributes()
                .listener_arn(&arn)
                .set_attributes(Some(attributes))
                .send()
                .await
                .map_err(failed(resource))?;
        }
        Ok(if key == "listener" {
            Made::name("listener", arn)
        } else {
            Made::default()
        })
    }

    pub(super) async fn rule(&self, tag: &str, update: bool, resource: &str) -> Result<Made> {
        let doc = self.fill(self.desired.rule(tag), resource)?;
        if update {
            let current = &self.live.rules[tag];
            self.aws
                .elb
                .modify_rule()
                .rule_arn(&current.arn)
                .set_conditions(Some(elb_api::conditions(&doc)))
                .set_actions(Some(elb_api::actions(&doc, "Actions")))
                .set_transforms(elb_api::transforms(&doc))
                .send()
                .await
                .map_err(failed(resource))?;
            return Ok(Made::default());
        }
        self.aws
            .elb
            .create_rule()
            .set_listener_arn(str_of(&doc, "ListenerArn"))
            .set_priority(int_of(&doc, "Priority"))
            .set_conditions(Some(elb_api::conditions(&doc)))
            .set_actions(Some(elb_api::actions(&doc, "Actions")))
            .set_transforms(elb_api::transforms(&doc))
            .set_tags(Some(elb_api::tags(&doc)))
            .send()
            .await
            .map_err(failed(resource))?;
        Ok(Made::default())
    }

    /// Moves existing rules to their new priorities in one call: AWS swaps them at once, where
    /// one by one they would collide with each other or with a new route's rule.
    pub(super) async fn rule_priorities(&self, steps: &[&Change]) -> Result<()> {
        let mut pairs = Vec::new();
        for c in steps.iter().filter(|c| c.action == Action::Update) {
            let Step::Rule(tag) = &c.step else { continue };
            let Some(current) = self.live.rules.get(tag) else {
                continue;
            };
            let wanted = int_of(self.desired.rule(tag), "Priority");
            let now = current.view["Priority"]
                .as_i64()
                .and_then(|p| i32::try_from(p).ok());
            if let (Some(now), Some(wanted)) = (now, wanted)
                && now != wanted
            {
                pairs.push((now, wanted, current.arn.clone()));
            }
        }
        if pairs.is_empty() {
            return Ok(());
        }
        // One at a time, in an order where each target priority is already free: rules moving down
        // the list from the far end first, then those moving up from the near end.
        let (mut down, mut up): (Vec<_>, Vec<_>) =
            pairs.into_iter().partition(|(now, wanted, _)| wanted > now);
        down.sort_by_key(|(_, wanted, _)| std::cmp::Reverse(*wanted));
        up.sort_by_key(|(_, wanted, _)| *wanted);
        self.say("set rule priorities ...");
        for (_, wanted, arn) in down.into_iter().chain(up) {
            self.aws
                .elb
                .set_rule_priorities()
                .rule_priorities(
                    aws_sdk_elasticloadbalancingv2::types::RulePriorityPair::builder()
                        .rule_arn(arn)
                        .priority(wanted)
                        .build(),
                )
                .send()
                .await
                .map_err(failed("listener rule priorities"))?;
        }
        Ok(())
    }
}

/// The health check settings `CreateTargetGroup` and `ModifyTargetGroup` share.
trait HealthCheck: Sized {
    fn health_check(self, doc: &Value) -> Self;
}

macro_rules! health_check {
    ($builder:ty) => {
        impl HealthCheck for $builder {
            fn health_check(self, doc: &Value) -> Self {
                use aws_sdk_elasticloadbalancingv2::types as t;
                self.set_health_check_protocol(
                    str_of(doc, "HealthCheckProtocol").map(|s| t::ProtocolEnum::from(s.as_str())),
                )
                .set_health_check_path(str_of(doc, "HealthCheckPath"))
                .set_health_check_interval_seconds(int_of(doc, "HealthCheckIntervalSeconds"))
                .set_health_check_timeout_seconds(int_of(doc, "HealthCheckTimeoutSeconds"))
                .set_healthy_threshold_count(int_of(doc, "HealthyThresholdCount"))
                .set_unhealthy_threshold_count(int_of(doc, "UnhealthyThresholdCount"))
                .matcher(
                    t::Matcher::builder()
                        .set_http_code(str_of(&doc["Matcher"], "HttpCode"))
                        .build(),
                )
            }
        }
    };
}

health_check!(aws_sdk_elasticloadbalancingv2::operation::create_target_group::builders::CreateTargetGroupFluentBuilder);
health_check!(aws_sdk_elasticloadbalancingv2::operation::modify_target_group::builders::ModifyTargetGroupFluentBuilder);
