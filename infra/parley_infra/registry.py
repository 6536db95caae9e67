"""The image repository: one image for all four services, one immutable tag per build."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings


class Registry(pulumi.ComponentResource):
    """The image repository (created first: the image must be pushed before services start)."""

    repository_url: pulumi.Output[str]
    repository_arn: pulumi.Output[str]

    def __init__(self, name: str, s: Settings, opts: pulumi.ResourceOptions | None = None):
        super().__init__("parley:infra:Registry", name, None, opts)
        repo = aws.ecr.Repository(
            "images",
            name=s.prefix,
            image_tag_mutability="IMMUTABLE",  # a tag names one build, forever
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=True
            ),
            force_delete=not s.deletion_protection,
            tags=s.tags(),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ecr.LifecyclePolicy(
            "images",
            repository=repo.name,
            policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": "keep the last 30 images",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": 30,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.repository_url = repo.repository_url
        self.repository_arn = repo.arn
        self.register_outputs({"repositoryUrl": repo.repository_url})
